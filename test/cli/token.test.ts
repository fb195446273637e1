/** `dci-gateway token`: user tokens for operators and their tools, bounded in scope and lifetime. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { runCli } from '../support/cli';

describe('dci-gateway token', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-token-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('issues a token with the scopes asked, for at most 366 days', async () => {
    const printed = await runCli(['token', '--scope', 'metrics:read', '--subject', 'prometheus', '--ttl', '31622400'], dataDir);
    expect(printed.code).toBe(0);
    const claims = decodeJwt(printed.stdout.trim());
    expect(claims.sub).toBe('prometheus');
    expect(claims.exp! - claims.iat!).toBe(31_622_400);
  });

  it('refuses a lifetime that is not a whole number of seconds from 1 to 366 days, with its code', async () => {
    for (const ttl of ['0', '-5', '1.5', 'soon', '31622401', '99999999999999']) {
      const refused = await runCli(['token', '--scope', 'registry:read', '--ttl', ttl], dataDir);
      expect({ ttl, code: refused.code, stdout: refused.stdout }).toEqual({ ttl, code: 1, stdout: '' });
      expect(refused.stderr).toContain('BAD_USER_INPUT: --ttl must be a whole number of seconds from 1 to 31622400 (366 days)');
    }
  });

  it('refuses the dci:* scopes, which only partner tokens from the token endpoint carry', async () => {
    const refused = await runCli(['token', '--scope', 'registry:read', 'dci:search'], dataDir);
    expect({ code: refused.code, stdout: refused.stdout }).toEqual({ code: 1, stdout: '' });
    expect(refused.stderr).toContain("argument 'dci:search' is invalid");
  });
});
