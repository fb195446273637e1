/**
 * TokenService against real keys: our own key file on a temp data directory, and an external issuer
 * served by a real JWKS HTTP server on 127.0.0.1.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';
import { GatewayError } from '../../src/errors';
import { DEFAULT_USER_TOKEN_TTL_SECONDS, rotateTokenKey, TOKEN_AUDIENCE, TokenService } from '../../src/auth/tokens';

const ISSUER = 'gateway.test';
const EXTERNAL_ISSUER = 'https://idp.example.test';
const EXTERNAL_AUDIENCE = 'dci-gateway-api';

const tempDirs: string[] = [];
function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-auth-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function expectUnauthenticated(verifying: Promise<unknown>): Promise<void> {
  const error = await verifying.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(GatewayError);
  expect(error).toMatchObject({ code: 'UNAUTHENTICATED', message: 'invalid or expired token', details: {} });
}

const now = () => Math.floor(Date.now() / 1000);

/** The public half of the signing key the service stored. */
function storedPublicJwk(dataDir: string): JWK {
  const jwk = JSON.parse(fs.readFileSync(path.join(dataDir, 'auth', 'token-key.json'), 'utf8'));
  return crypto.createPublicKey({ key: jwk, format: 'jwk' }).export({ format: 'jwk' }) as JWK;
}

/** Signs arbitrary claims with the key the service stored, to forge tokens `issue` would never produce. */
function signWithStoredKey(dataDir: string, claims: JWTPayload): Promise<string> {
  const jwk = JSON.parse(fs.readFileSync(path.join(dataDir, 'auth', 'token-key.json'), 'utf8'));
  const key = crypto.createPrivateKey({ key: jwk, format: 'jwk' });
  return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA' }).sign(key);
}

describe('TokenService: our own tokens', () => {
  let dataDir: string;
  let tokens: TokenService;

  beforeAll(async () => {
    dataDir = tempDataDir();
    tokens = await TokenService.open({ dataDir, issuer: ISSUER });
  });

  it('issues a token that verifies back to the same user principal', async () => {
    const token = await tokens.issue({
      subject: 'alice',
      scopes: ['registry:read', 'registry:write', 'registry:pii', 'registry:read'],
      kind: 'user',
      ttlSeconds: DEFAULT_USER_TOKEN_TTL_SECONDS,
    });
    const principal = await tokens.verify(token);
    expect(principal).toEqual({
      subject: 'alice',
      scopes: new Set(['registry:read', 'registry:write', 'registry:pii']),
      kind: 'user',
      issuer: ISSUER,
    });

    const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: await calculateJwkThumbprint(storedPublicJwk(dataDir)) });
    expect(payload).toMatchObject({ iss: ISSUER, aud: TOKEN_AUDIENCE, sub: 'alice', kind: 'user', scope: 'registry:read registry:write registry:pii' });
    expect(payload.exp - payload.iat).toBe(12 * 60 * 60);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('round-trips a partner token with its partner id', async () => {
    const token = await tokens.issue({ subject: 'client-7', scopes: ['dci:callback'], kind: 'partner', partnerId: 'p-7', ttlSeconds: 60 });
    await expect(tokens.verify(token)).resolves.toEqual({
      subject: 'client-7',
      scopes: new Set(['dci:callback']),
      kind: 'partner',
      partnerId: 'p-7',
      issuer: ISSUER,
    });
  });

  it('refuses bad issue requests', async () => {
    const base = { subject: 'alice', scopes: [], kind: 'user' as const };
    await expect(tokens.issue({ ...base, ttlSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(tokens.issue({ ...base, ttlSeconds: 1.5 })).rejects.toThrow(RangeError);
    await expect(tokens.issue({ ...base, subject: '', ttlSeconds: 60 })).rejects.toThrow(TypeError);
    await expect(tokens.issue({ ...base, partnerId: 'p-1', ttlSeconds: 60 })).rejects.toThrow(TypeError);
    await expect(tokens.issue({ ...base, kind: 'partner', ttlSeconds: 60 })).rejects.toThrow(TypeError);
  });

  it('refuses an expired token', async () => {
    const token = await signWithStoredKey(dataDir, {
      iss: ISSUER, aud: TOKEN_AUDIENCE, sub: 'alice', kind: 'user', scope: 'registry:read', iat: now() - 120, exp: now() - 60,
    });
    await expectUnauthenticated(tokens.verify(token));
  });

  it('refuses a token without exp', async () => {
    const token = await signWithStoredKey(dataDir, { iss: ISSUER, aud: TOKEN_AUDIENCE, sub: 'alice', kind: 'user', scope: 'registry:read' });
    await expectUnauthenticated(tokens.verify(token));
  });

  it('refuses a token for another audience', async () => {
    const token = await signWithStoredKey(dataDir, {
      iss: ISSUER, aud: 'other-service', sub: 'alice', kind: 'user', scope: 'registry:read', exp: now() + 60,
    });
    await expectUnauthenticated(tokens.verify(token));
  });

  it('refuses a token with a bad kind or a partner without partner_id', async () => {
    const claims = { iss: ISSUER, aud: TOKEN_AUDIENCE, sub: 'x', scope: 'dci:callback', exp: now() + 60 };
    await expectUnauthenticated(tokens.verify(await signWithStoredKey(dataDir, { ...claims, kind: 'admin' })));
    await expectUnauthenticated(tokens.verify(await signWithStoredKey(dataDir, { ...claims, kind: 'partner' })));
    await expectUnauthenticated(tokens.verify(await signWithStoredKey(dataDir, { ...claims, kind: 'user', partner_id: 'p-1' })));
  });

  it('ignores unknown scopes instead of granting them', async () => {
    const token = await signWithStoredKey(dataDir, {
      iss: ISSUER, aud: TOKEN_AUDIENCE, sub: 'alice', kind: 'user', scope: 'registry:read admin *  registry:pii', exp: now() + 60,
    });
    expect((await tokens.verify(token)).scopes).toEqual(new Set(['registry:read', 'registry:pii']));
  });

  it('refuses a tampered token', async () => {
    const token = await tokens.issue({ subject: 'alice', scopes: ['registry:read'], kind: 'user', ttlSeconds: 60 });
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const widened = Buffer.from(JSON.stringify({ ...claims, scope: 'registry:read registry:pii partners:admin' })).toString('base64url');
    await expectUnauthenticated(tokens.verify(`${header}.${widened}.${signature}`));
  });

  it('refuses a token signed by another key', async () => {
    const stranger = await TokenService.open({ dataDir: tempDataDir(), issuer: ISSUER });
    const token = await stranger.issue({ subject: 'alice', scopes: ['registry:read'], kind: 'user', ttlSeconds: 60 });
    await expect(stranger.verify(token)).resolves.toMatchObject({ subject: 'alice' });
    await expectUnauthenticated(tokens.verify(token));
  });

  it("refuses an unsigned ('none') token and garbage", async () => {
    const unsigned = new UnsecuredJWT({ kind: 'user', scope: 'partners:admin' })
      .setIssuer(ISSUER).setAudience(TOKEN_AUDIENCE).setSubject('mallory').setExpirationTime('1h').encode();
    await expectUnauthenticated(tokens.verify(unsigned));
    for (const garbage of ['', 'abc', 'a.b.c', '...']) await expectUnauthenticated(tokens.verify(garbage));
  });

  it('refuses a token of an issuer it was not configured for', async () => {
    const token = await signWithStoredKey(dataDir, {
      iss: EXTERNAL_ISSUER, aud: TOKEN_AUDIENCE, sub: 'alice', kind: 'user', scope: 'registry:read', exp: now() + 60,
    });
    await expectUnauthenticated(tokens.verify(token));
  });
});

describe('TokenService: key file', () => {
  it('creates the key with mode 0600 in a 0700 directory and reuses it on the next open', async () => {
    const dataDir = tempDataDir();
    const first = await TokenService.open({ dataDir, issuer: ISSUER });
    const keyFile = path.join(dataDir, 'auth', 'token-key.json');
    const saved = fs.readFileSync(keyFile, 'utf8');
    expect(JSON.parse(saved)).toMatchObject({ kty: 'OKP', crv: 'Ed25519', d: expect.any(String), x: expect.any(String) });
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(keyFile)).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(path.dirname(keyFile))).toEqual(['token-key.json']);

    const token = await first.issue({ subject: 'alice', scopes: ['registry:read'], kind: 'user', ttlSeconds: 60 });
    const second = await TokenService.open({ dataDir, issuer: ISSUER });
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(saved);
    await expect(second.verify(token)).resolves.toMatchObject({ subject: 'alice' });
  });

  it('agrees on one key when opened concurrently', async () => {
    const dataDir = tempDataDir();
    const services = await Promise.all([1, 2, 3, 4].map(() => TokenService.open({ dataDir, issuer: ISSUER })));
    const token = await services[0].issue({ subject: 'alice', scopes: [], kind: 'user', ttlSeconds: 60 });
    for (const service of services) await expect(service.verify(token)).resolves.toMatchObject({ subject: 'alice' });
    expect(fs.readdirSync(path.join(dataDir, 'auth'))).toEqual(['token-key.json']);
  });

  it('refuses a corrupt key file without quoting it', async () => {
    const dataDir = tempDataDir();
    fs.mkdirSync(path.join(dataDir, 'auth'));
    fs.writeFileSync(path.join(dataDir, 'auth', 'token-key.json'), '{"d":"SECRET-MATERIAL"');
    const error = await TokenService.open({ dataDir, issuer: ISSUER }).catch((err: Error) => err);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).not.toContain('SECRET');
    expect((error as Error).cause).toBeUndefined();
  });
});

describe('TokenService: rotating our key', () => {
  const HOUR = 3_600_000;
  const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid as string;
  const user = { subject: 'alice', scopes: ['registry:read'] as const, kind: 'user' as const, ttlSeconds: 3 * 3600 };

  it('keeps verifying the tokens the previous key signed until the grace period ends, and signs with the new key', async () => {
    const dataDir = tempDataDir();
    let clock = Date.now();
    // A gateway that was serving before the rotation and keeps serving through it.
    const serving = await TokenService.open({ dataDir, issuer: ISSUER, now: () => clock });
    const before = await serving.issue({ ...user, scopes: [...user.scopes] });
    // Issued before tokens named their key: tried against every key.
    const withoutKid = await signWithStoredKey(dataDir, { iss: ISSUER, aud: TOKEN_AUDIENCE, sub: 'legacy', kind: 'user', exp: now() + 3 * 3600 });

    const rotated = await rotateTokenKey(dataDir, HOUR, new Date(clock));
    expect(rotated.kid).not.toBe(kidOf(before));
    expect(rotated.retired).toEqual([{ kid: kidOf(before), verifiesUntil: new Date(clock + HOUR).toISOString() }]);
    for (const file of ['token-key.json', 'token-keys-retired.json']) expect(fs.statSync(path.join(dataDir, 'auth', file)).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(dataDir, 'auth', 'token-keys-retired.json'), 'utf8')).not.toMatch(/"d"/);

    clock += 2_001; // the serving gateway's next look at the key file
    const after = await serving.issue({ ...user, scopes: [...user.scopes] });
    expect(kidOf(after)).toBe(rotated.kid);
    const restarted = await TokenService.open({ dataDir, issuer: ISSUER, now: () => clock });
    for (const service of [serving, restarted]) {
      for (const token of [before, after]) await expect(service.verify(token)).resolves.toMatchObject({ subject: 'alice' });
      await expect(service.verify(withoutKid)).resolves.toMatchObject({ subject: 'legacy' });
    }

    clock += HOUR; // the grace period is over; the tokens themselves have not expired
    for (const service of [serving, restarted]) {
      await expectUnauthenticated(service.verify(before));
      await expectUnauthenticated(service.verify(withoutKid));
      await expect(service.verify(after)).resolves.toMatchObject({ subject: 'alice' });
    }
  });

  it('revokes every token issued so far with no grace period, those of earlier rotations included', async () => {
    const dataDir = tempDataDir();
    let clock = Date.now();
    const serving = await TokenService.open({ dataDir, issuer: ISSUER, now: () => clock });
    const first = await serving.issue({ ...user, scopes: [...user.scopes] });
    expect((await rotateTokenKey(dataDir, HOUR, new Date(clock))).retired).toHaveLength(1);
    clock += 2_001;
    const second = await serving.issue({ ...user, scopes: [...user.scopes] });
    expect((await rotateTokenKey(dataDir, HOUR, new Date(clock))).retired.map((key) => key.kid)).toEqual([kidOf(first), kidOf(second)]);

    const revoked = await rotateTokenKey(dataDir, 0, new Date(clock));
    expect(revoked.retired).toEqual([]);
    clock += 2_001;
    for (const token of [first, second]) await expectUnauthenticated(serving.verify(token));
    await expect(serving.verify(await serving.issue({ ...user, scopes: [...user.scopes] }))).resolves.toMatchObject({ subject: 'alice' });
  });

  it('refuses to open over a retired-keys file that is not a list', async () => {
    const dataDir = tempDataDir();
    await TokenService.open({ dataDir, issuer: ISSUER });
    fs.writeFileSync(path.join(dataDir, 'auth', 'token-keys-retired.json'), '{"kid":"x"}');
    await expect(TokenService.open({ dataDir, issuer: ISSUER })).rejects.toThrow('token-keys-retired.json must hold a list of retired token keys');
  });
});

describe('TokenService: external issuer', () => {
  let server: http.Server;
  let jwksUrl: string;
  let rsaKey: KeyLike;
  let ecKey: KeyLike;
  let tokens: TokenService;

  beforeAll(async () => {
    const rsa = await generateKeyPair('RS256');
    const ec = await generateKeyPair('ES256');
    rsaKey = rsa.privateKey;
    ecKey = ec.privateKey;
    const keys: JWK[] = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    server = http.createServer((req, res) => {
      if (req.url !== '/.well-known/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    tokens = await TokenService.open({
      dataDir: tempDataDir(),
      issuer: ISSUER,
      external: { jwksUrl, issuer: EXTERNAL_ISSUER, audience: EXTERNAL_AUDIENCE },
    });
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function externalToken(
    claims: JWTPayload,
    key: KeyLike | Uint8Array = rsaKey,
    header = { alg: 'RS256', kid: 'rsa-1' },
  ): Promise<string> {
    return new SignJWT({ iss: EXTERNAL_ISSUER, aud: EXTERNAL_AUDIENCE, sub: 'bob', exp: now() + 300, ...claims })
      .setProtectedHeader(header)
      .sign(key);
  }

  it('accepts an RS256 token with a space-separated scope claim', async () => {
    const token = await externalToken({ scope: 'openid registry:read dci:search' });
    await expect(tokens.verify(token)).resolves.toEqual({
      subject: 'bob',
      scopes: new Set(['registry:read', 'dci:search']),
      kind: 'user',
      issuer: EXTERNAL_ISSUER,
    });
  });

  it('accepts an ES256 token with an scp array, treating it as a user even if it claims otherwise', async () => {
    const token = await externalToken({ scp: ['registry:write', 'email'], kind: 'partner', partner_id: 'p-1' }, ecKey, { alg: 'ES256', kid: 'ec-1' });
    await expect(tokens.verify(token)).resolves.toEqual({
      subject: 'bob',
      scopes: new Set(['registry:write']),
      kind: 'user',
      issuer: EXTERNAL_ISSUER,
    });
  });

  it('still accepts our own tokens', async () => {
    const token = await tokens.issue({ subject: 'alice', scopes: ['registry:read'], kind: 'user', ttlSeconds: 60 });
    await expect(tokens.verify(token)).resolves.toMatchObject({ subject: 'alice', issuer: ISSUER });
  });

  it('refuses the wrong issuer, even when signed by a key of the key set', async () => {
    await expectUnauthenticated(tokens.verify(await externalToken({ iss: 'https://evil.example.test', scope: 'registry:read' })));
  });

  it('refuses the wrong audience, an expired token and a key outside the key set', async () => {
    await expectUnauthenticated(tokens.verify(await externalToken({ aud: TOKEN_AUDIENCE, scope: 'registry:read' })));
    await expectUnauthenticated(tokens.verify(await externalToken({ exp: now() - 120, scope: 'registry:read' })));
    const stranger = await generateKeyPair('RS256');
    await expectUnauthenticated(tokens.verify(await externalToken({ scope: 'registry:read' }, stranger.privateKey)));
  });

  it('refuses HS256 signed with a published public key as the secret', async () => {
    const published = (await (await fetch(jwksUrl)).json()) as { keys: JWK[] };
    const secret = new TextEncoder().encode(JSON.stringify(published.keys[0]));
    await expectUnauthenticated(tokens.verify(await externalToken({ scope: 'registry:read' }, secret, { alg: 'HS256', kid: 'rsa-1' })));
  });
});
