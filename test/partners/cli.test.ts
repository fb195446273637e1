/**
 * `dci-gateway partners` and `dci-gateway keys` as an operator runs them: the built CLI in a child
 * process on a throwaway DATA_DIR with the embedded engine.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { createLogger } from '../../src/log';
import { TokenService } from '../../src/auth/tokens';
import { authenticateClient } from '../../src/partners';
import { openStore } from '../../src/store/connection';
import { registryModels } from '../../src/store/models';
import { runCli as cli } from '../support/cli';
import { ed25519Jwk } from './fixtures';

describe('dci-gateway partners and keys', () => {
  let dataDir: string;
  let jwkFile: string;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-partners-cli-'));
    jwkFile = path.join(dataDir, 'partner.jwk.json');
    fs.writeFileSync(jwkFile, JSON.stringify(ed25519Jwk('crvs-2025')));
  });
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('partners add prints client credentials that authenticate', async () => {
    const args = ['partners', 'add', '--sender-id', 'crvs.example', '--jwk-file', jwkFile, '--callback-base', 'https://crvs.example.org/dci'];
    const run = await cli([...args, '--scopes', 'dci:search', 'dci:subscribe', '--name', 'Civil registry'], dataDir);
    expect(run).toMatchObject({ code: 0 });
    const printed = JSON.parse(run.stdout);
    expect(printed).toEqual({ sender_id: 'crvs.example', client_id: expect.any(String), client_secret: expect.any(String) });

    const again = await cli(args, dataDir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('CONFLICT');
    expect(again.stdout).toBe('');

    const store = await openStore({ dataDir, log: createLogger('silent') });
    try {
      const partner = await authenticateClient(registryModels(store.connection), printed.client_id, printed.client_secret);
      expect(partner).toMatchObject({ displayName: 'Civil registry', scopes: ['dci:search', 'dci:subscribe'], publicKeys: [{ kid: 'crvs-2025' }] });
    } finally {
      await store.close();
    }
  }, 120_000);

  it('partners list prints JSON without secrets; partners disable disables', async () => {
    const disabled = await cli(['partners', 'disable', '--sender-id', 'crvs.example'], dataDir);
    expect(disabled).toMatchObject({ code: 0 });
    expect(JSON.parse(disabled.stdout)).toMatchObject({ senderId: 'crvs.example', status: 'disabled' });

    const listed = await cli(['partners', 'list'], dataDir);
    expect(listed).toMatchObject({ code: 0 });
    const partners = JSON.parse(listed.stdout);
    expect(partners).toEqual([expect.objectContaining({ senderId: 'crvs.example', status: 'disabled', clientId: expect.any(String) })]);
    expect(listed.stdout).not.toMatch(/secret/i);
  }, 120_000);

  it('partners add and update set the disclosure field by field; an unknown field or level is refused', async () => {
    const add = ['partners', 'add', '--sender-id', 'spp.example', '--jwk-file', jwkFile, '--callback-base', 'https://spp.example.org/dci'];
    const run = await cli([...add, '--disclose', 'names=omitted', 'identifiers.UIN=given', 'group-head=masked'], dataDir);
    expect(run).toMatchObject({ code: 0 });
    const listed = JSON.parse((await cli(['partners', 'list'], dataDir)).stdout).find((p: { senderId: string }) => p.senderId === 'spp.example');
    expect(listed.disclosure).toMatchObject({ names: 'omitted', birthDate: 'masked', identifiers: 'masked', identifierTypes: [{ type: 'UIN', level: 'given' }], groupHead: 'masked' });

    const updated = await cli(['partners', 'update', '--sender-id', 'spp.example', '--pii', '--disclose', 'email=omitted', '--rate-limit', '60'], dataDir);
    expect(updated).toMatchObject({ code: 0 });
    expect(JSON.parse(updated.stdout)).toMatchObject({
      senderId: 'spp.example',
      rateLimitPerMinute: 60,
      disclosure: { names: 'given', birthDate: 'given', email: 'omitted', identifiers: 'given', identifierTypes: [] },
    });
    expect(updated.stdout).not.toMatch(/secret/i);

    const unknownField = await cli(['partners', 'update', '--sender-id', 'spp.example', '--disclose', 'shoe-size=given'], dataDir);
    expect(unknownField.code).toBe(1);
    expect(unknownField.stderr).toContain('unknown field shoe-size');
    const unknownLevel = await cli(['partners', 'update', '--sender-id', 'spp.example', '--disclose', 'sex=hidden'], dataDir);
    expect(unknownLevel.code).toBe(1);
    expect(unknownLevel.stderr).toContain('disclosure.sex');
  }, 120_000);

  it('partners add and update register the purposes; a requirement without codes is refused', async () => {
    const add = ['partners', 'add', '--sender-id', 'purposes.example', '--jwk-file', jwkFile, '--callback-base', 'https://purposes.example.org/dci'];
    expect(await cli([...add, '--purposes', 'CG-ELIG', 'DSA-7', '--purpose-required'], dataDir)).toMatchObject({ code: 0 });
    const listed = JSON.parse((await cli(['partners', 'list'], dataDir)).stdout).find((p: { senderId: string }) => p.senderId === 'purposes.example');
    expect(listed.purposes).toEqual({ codes: ['CG-ELIG', 'DSA-7'], required: true, refusal: 'no_personal_data' });

    const updated = await cli(['partners', 'update', '--sender-id', 'purposes.example', '--purposes', 'CG-PAY', '--purpose-refusal', 'reject'], dataDir);
    expect(updated).toMatchObject({ code: 0 });
    expect(JSON.parse(updated.stdout).purposes).toEqual({ codes: ['CG-PAY'], required: true, refusal: 'reject' });
    const optional = await cli(['partners', 'update', '--sender-id', 'purposes.example', '--no-purpose-required'], dataDir);
    expect(JSON.parse(optional.stdout).purposes).toEqual({ codes: ['CG-PAY'], required: false, refusal: 'reject' });

    const noCodes = await cli(['partners', 'add', '--sender-id', 'nocodes.example', '--jwk-file', jwkFile, '--callback-base', 'https://x.example.org', '--purpose-required'], dataDir);
    expect(noCodes.code).toBe(1);
    expect(noCodes.stderr).toContain('purposes.codes');
    const badRefusal = await cli(['partners', 'update', '--sender-id', 'purposes.example', '--purpose-refusal', 'shrug'], dataDir);
    expect(badRefusal.code).not.toBe(0);
    expect(badRefusal.stderr).toContain('--purpose-refusal');
  }, 120_000);

  it('partners add and update register an encryption key and policy; required without a key is refused', async () => {
    const x = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }).x;
    const jwksFile = path.join(dataDir, 'partner-enc.jwks.json');
    fs.writeFileSync(jwksFile, JSON.stringify({ keys: [ed25519Jwk('enc-partner-sig'), { kty: 'OKP', crv: 'X25519', x, kid: 'enc-partner-1', use: 'enc' }] }));
    const args = ['partners', 'add', '--sender-id', 'enc.example', '--jwk-file', jwkFile, '--callback-base', 'https://enc.example.org/dci', '--encryption-policy', 'required'];
    const refused = await cli(args, dataDir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('encryptionKey');

    expect(await cli([...args, '--encryption-jwk-file', jwksFile], dataDir)).toMatchObject({ code: 0 });
    const updated = await cli(['partners', 'update', '--sender-id', 'enc.example', '--encryption-policy', 'accepted'], dataDir);
    expect(updated).toMatchObject({ code: 0 });
    expect(JSON.parse(updated.stdout)).toMatchObject({ encryptionPolicy: 'accepted', encryptionKey: { kid: 'enc-partner-1', kty: 'OKP', crv: 'X25519', x, use: 'enc' } });
  }, 120_000);

  it('partners add refuses a partner without keys unless the profile is none', async () => {
    const run = await cli(['partners', 'add', '--sender-id', 'nokeys.example', '--callback-base', 'https://x.example.org'], dataDir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--jwk-file');
  }, 120_000);

  it('keys list and keys rotate print the signing and encryption keys, one of each algorithm', async () => {
    const listed = await cli(['keys', 'list'], dataDir);
    expect(listed).toMatchObject({ code: 0 });
    const first = JSON.parse(listed.stdout);
    expect(first.map((k: { algorithm: string; use: string }) => `${k.use} ${k.algorithm}`).sort()).toEqual(['enc ECDH-ES+A256KW', 'enc RSA-OAEP-256', 'sig EdDSA', 'sig RS256']);
    for (const key of first) expect(key).toEqual({ kid: expect.any(String), algorithm: expect.any(String), use: expect.any(String), status: 'active', created: expect.any(String), 'active-from': key.created, 'retire-after': null });

    // New keys first: the signing ones published but waiting, the encryption ones offered at once.
    const statuses = (keys: { use: string; status: string }[]) => keys.map((k) => `${k.use} ${k.status}`).sort();
    const rotated = await cli(['keys', 'rotate'], dataDir);
    expect(rotated).toMatchObject({ code: 0 });
    const keys = JSON.parse(rotated.stdout);
    expect(keys).toHaveLength(8);
    expect(statuses(keys.slice(0, 4))).toEqual(['enc active', 'enc active', 'sig pending', 'sig pending']);
    for (const key of keys.slice(0, 4).filter((k: { use: string }) => k.use === 'sig')) expect(Date.parse(key['active-from']) - Date.parse(key.created)).toBe(6 * 60_000);
    expect(keys.slice(4).map((k: { kid: string }) => k.kid).sort()).toEqual(first.map((k: { kid: string }) => k.kid).sort());
    expect(statuses(keys.slice(4))).toEqual(['enc retired', 'enc retired', 'sig active', 'sig active']);
    expect(keys.slice(4)).toEqual(Array(4).fill(expect.objectContaining({ 'retire-after': expect.any(String) })));

    // Newest first: the four keys just made, the signing ones waiting a day.
    const later = JSON.parse((await cli(['keys', 'rotate', '--sign-after', '1440'], dataDir)).stdout);
    expect(statuses(later.slice(0, 4))).toEqual(['enc active', 'enc active', 'sig pending', 'sig pending']);
    for (const key of later.slice(0, 4).filter((k: { use: string }) => k.use === 'sig')) expect(Date.parse(key['active-from']) - Date.parse(key.created)).toBe(1440 * 60_000);
    for (const bad of ['5', '20161', 'soon']) {
      const refused = await cli(['keys', 'rotate', '--sign-after', bad], dataDir);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`--sign-after must be a whole number of minutes from 6 to 20160, got "${bad}"`);
    }

    // Revoked: only the new keys are left, signing at once; the earlier ones, still waiting included, are gone.
    const revoked = await cli(['keys', 'rotate', '--revoke'], dataDir);
    expect(revoked).toMatchObject({ code: 0 });
    const left = JSON.parse(revoked.stdout);
    expect(statuses(left)).toEqual(['enc active', 'enc active', 'sig active', 'sig active']);
    expect(left.map((k: { kid: string }) => k.kid)).not.toEqual(expect.arrayContaining([keys[0].kid]));
    expect(fs.readdirSync(path.join(dataDir, 'keys'))).toHaveLength(4);
  }, 120_000);

  it('keys rotate-token-key makes a new token key: with no grace every token issued so far is refused, by default the previous key verifies 12 hours more', async () => {
    const issued = (await cli(['token', '--scope', 'registry:read'], dataDir)).stdout.trim();
    const revoked = await cli(['keys', 'rotate-token-key', '--grace-hours', '0'], dataDir);
    expect(revoked).toMatchObject({ code: 0 });
    expect(JSON.parse(revoked.stdout)).toEqual({ kid: expect.stringMatching(/^[\w-]{43}$/), retired: [] });
    const tokens = () => TokenService.open({ dataDir, issuer: 'dci-gateway' });
    await expect((await tokens()).verify(issued)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });

    const kept = (await cli(['token', '--scope', 'registry:read'], dataDir)).stdout.trim();
    const started = Date.now();
    const rotated = await cli(['keys', 'rotate-token-key'], dataDir);
    expect(rotated).toMatchObject({ code: 0 });
    const { retired } = JSON.parse(rotated.stdout) as { retired: { kid: string; 'verifies-until': string }[] };
    expect(retired.map((key) => key.kid)).toEqual([JSON.parse(revoked.stdout).kid]);
    const until = Date.parse(retired[0]['verifies-until']) - 12 * 3_600_000;
    expect(until).toBeGreaterThanOrEqual(started);
    expect(until).toBeLessThanOrEqual(Date.now());
    await expect((await tokens()).verify(kept)).resolves.toMatchObject({ subject: 'operator' });

    for (const bad of ['-1', '1.5', 'soon', '8761']) {
      const refused = await cli(['keys', 'rotate-token-key', '--grace-hours', bad], dataDir);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`--grace-hours must be a whole number of hours from 0 (revokes every token) to 8760, got "${bad}"`);
    }
  }, 120_000);

  it('keys list --pem prints each public key as PEM that reads back to its kid', async () => {
    const listed = JSON.parse((await cli(['keys', 'list'], dataDir)).stdout) as { kid: string; algorithm: string; status: string }[];
    const run = await cli(['keys', 'list', '--pem'], dataDir);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).not.toMatch(/PRIVATE/);
    const blocks = [...run.stdout.matchAll(/kid: (\S+) algorithm: (\S+) status: (\S+)\n(-----BEGIN PUBLIC KEY-----\n[\s\S]+?\n-----END PUBLIC KEY-----\n)/g)];
    expect(blocks.map(([, kid, algorithm, status]) => ({ kid, algorithm, status }))).toEqual(listed.map(({ kid, algorithm, status }) => ({ kid, algorithm, status })));
    for (const [, kid, , , pem] of blocks) {
      expect(await calculateJwkThumbprint(createPublicKey(pem).export({ format: 'jwk' }) as JWK)).toBe(kid);
    }
  }, 120_000);

  it('partners rotate-secret prints a new secret for the same client id; the old one stops working', async () => {
    const added = JSON.parse((await cli(['partners', 'add', '--sender-id', 'rotating.example', '--jwk-file', jwkFile, '--callback-base', 'https://rotating.example.org/dci'], dataDir)).stdout);
    const run = await cli(['partners', 'rotate-secret', '--sender-id', 'rotating.example'], dataDir);
    expect(run).toMatchObject({ code: 0 });
    const rotated = JSON.parse(run.stdout);
    expect(rotated).toEqual({ sender_id: 'rotating.example', client_id: added.client_id, client_secret: expect.any(String) });
    expect(rotated.client_secret).not.toBe(added.client_secret);

    const store = await openStore({ dataDir, log: createLogger('silent') });
    try {
      const models = registryModels(store.connection);
      expect(await authenticateClient(models, added.client_id, rotated.client_secret)).toMatchObject({ senderId: 'rotating.example' });
      expect(await authenticateClient(models, added.client_id, added.client_secret)).toBeUndefined();
    } finally {
      await store.close();
    }
    const unknown = await cli(['partners', 'rotate-secret', '--sender-id', 'nobody.example'], dataDir);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toContain('NOT_FOUND');
  }, 120_000);

  it('documents every command in --help', async () => {
    for (const command of [['partners', 'add'], ['partners', 'update'], ['partners', 'rotate-secret'], ['partners', 'list'], ['partners', 'disable'], ['keys', 'list'], ['keys', 'rotate'], ['keys', 'rotate-token-key']]) {
      const help = await cli([...command, '--help'], dataDir);
      expect(help).toMatchObject({ code: 0 });
      expect(help.stdout).toContain(`dci-gateway ${command.join(' ')}`);
    }
  }, 120_000);
});
