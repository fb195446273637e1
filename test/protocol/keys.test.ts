import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { JWKS_MAX_AGE_SECONDS, KeyRing, PUBLISH_AHEAD_MS, publicKeyPem, validatorFor } from '../../adapters/dci/protocol';

describe('KeyRing', () => {
  let dataDir: string;
  let clock: Date;
  const now = () => clock;
  const DAY = 24 * 3600 * 1000;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-keys-'));
    clock = new Date('2026-01-01T00:00:00Z');
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const encryptionKids = (ring: KeyRing) => ring.listKeys().filter((k) => k.use === 'enc' && k.status === 'active').map((k) => k.kid);

  it('generates Ed25519 and RSA signing keys and X25519 and RSA encryption keys on first use, stored as 0600 JWK files, and finds them again', async () => {
    const ring = await KeyRing.open(dataDir, { now });
    const key = ring.activeKey();
    const rsa = ring.activeKey('RS256');
    expect(key.privateKey.asymmetricKeyType).toBe('ed25519');
    expect(rsa.privateKey.asymmetricKeyType).toBe('rsa');
    expect(rsa.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(key.kid).toBe(await calculateJwkThumbprint(key.publicJwk));
    expect(rsa.kid).toBe(await calculateJwkThumbprint(rsa.publicJwk));
    const enc = encryptionKids(ring);
    expect(enc).toHaveLength(2);
    const files = fs.readdirSync(path.join(dataDir, 'keys'));
    expect(files.sort()).toEqual([key.kid, rsa.kid, ...enc].map((kid) => `${kid}.jwk.json`).sort());
    for (const file of files) expect(fs.statSync(path.join(dataDir, 'keys', file)).mode & 0o777).toBe(0o600);

    const reopened = await KeyRing.open(dataDir, { now });
    expect(reopened.activeKey().kid).toBe(key.kid);
    expect(reopened.activeKey('RS256').kid).toBe(rsa.kid);
    expect(reopened.listKeys()).toEqual(
      expect.arrayContaining([
        { kid: key.kid, algorithm: 'EdDSA', use: 'sig', status: 'active', createdAt: clock, activeFrom: clock },
        { kid: rsa.kid, algorithm: 'RS256', use: 'sig', status: 'active', createdAt: clock, activeFrom: clock },
        { kid: expect.any(String), algorithm: 'ECDH-ES+A256KW', use: 'enc', status: 'active', createdAt: clock, activeFrom: clock },
        { kid: expect.any(String), algorithm: 'RSA-OAEP-256', use: 'enc', status: 'active', createdAt: clock, activeFrom: clock },
      ]),
    );
    expect(encryptionKids(reopened).sort()).toEqual(enc.sort());
    expect(reopened.decryptionKey(enc[0])?.privateKey.asymmetricKeyType).toMatch(/^(x25519|rsa)$/);
  });

  it('gives a key ring from before RSA keys an RSA key, keeping its Ed25519 key active', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' });
    const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: jwk.x! });
    fs.mkdirSync(path.join(dataDir, 'keys'));
    fs.writeFileSync(path.join(dataDir, 'keys', `${kid}.jwk.json`), JSON.stringify({ kid, createdAt: '2025-06-01T00:00:00.000Z', jwk }), { mode: 0o600 });
    const ring = await KeyRing.open(dataDir, { now });
    expect(ring.activeKey().kid).toBe(kid);
    expect(ring.activeKey('RS256').publicJwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(ring.jwks().keys.map((k) => k.kid).sort()).toEqual([kid, ring.activeKey('RS256').kid, ...encryptionKids(ring)].sort());
  });

  it('publishes a JWKS the spec accepts, without private material', async () => {
    const ring = await KeyRing.open(dataDir, { now });
    const jwks = ring.jwks();
    const rsa = ring.activeKey('RS256').publicJwk;
    expect(jwks.keys).toEqual(
      expect.arrayContaining([
        { kty: 'OKP', crv: 'Ed25519', x: ring.activeKey().publicJwk.x, kid: ring.activeKey().kid, alg: 'EdDSA', use: 'sig' },
        { kty: 'RSA', n: rsa.n, e: 'AQAB', kid: rsa.kid, alg: 'RS256', use: 'sig' },
        { kty: 'OKP', crv: 'X25519', x: expect.any(String), kid: expect.any(String), alg: 'ECDH-ES+A256KW', use: 'enc' },
        { kty: 'RSA', n: expect.any(String), e: 'AQAB', kid: expect.any(String), alg: 'RSA-OAEP-256', use: 'enc' },
      ]),
    );
    expect(jwks.keys).toHaveLength(4);
    expect(new Set(jwks.keys.map((k) => k.kid)).size).toBe(4);
    for (const secret of ['"d"', '"p"', '"q"', '"dp"', '"dq"', '"qi"']) expect(JSON.stringify(jwks)).not.toContain(secret);
    expect(validatorFor('jwks', '/.well-known/jwks.json', 'response')(jwks)).toEqual({ ok: true });
  });

  it('writes each public key as PEM that reads back to the same key', async () => {
    const ring = await KeyRing.open(dataDir, { now });
    for (const publicJwk of ring.jwks().keys) {
      const pem = publicKeyPem(publicJwk);
      expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
      const back = createPublicKey(pem).export({ format: 'jwk' });
      expect(await calculateJwkThumbprint(back as JWK)).toBe(publicJwk.kid);
    }
  });

  it('rotates every key together: new signing keys are published at once and sign once cached copies of the JWKS are out of date; old keys stay the grace period', async () => {
    const ring = await KeyRing.open(dataDir, { now, graceMs: 7 * DAY });
    const old = ring.activeKey();
    const oldRsa = ring.activeKey('RS256');
    const oldEnc = encryptionKids(ring);
    const created = clock;
    clock = new Date(clock.getTime() + DAY);
    const rotatedAt = clock;
    const made = await ring.rotateKeys();
    const signsFrom = new Date(rotatedAt.getTime() + PUBLISH_AHEAD_MS);
    const fresh = made.find((k) => k.algorithm === 'EdDSA')!;
    const freshRsa = made.find((k) => k.algorithm === 'RS256')!;
    const freshEnc = encryptionKids(ring);
    expect(freshEnc.filter((kid) => oldEnc.includes(kid))).toEqual([]);
    expect(made.map((k) => k.kid).sort()).toEqual([fresh.kid, freshRsa.kid, ...freshEnc].sort());

    // Published at once, every old key with them; the old signing keys still sign.
    expect(ring.jwks().keys.map((k) => k.kid).sort()).toEqual([fresh.kid, freshRsa.kid, ...freshEnc, old.kid, oldRsa.kid, ...oldEnc].sort());
    expect([ring.activeKey().kid, ring.activeKey('RS256').kid]).toEqual([old.kid, oldRsa.kid]);
    expect(ring.listKeys()).toEqual(
      expect.arrayContaining([
        { kid: fresh.kid, algorithm: 'EdDSA', use: 'sig', status: 'pending', createdAt: rotatedAt, activeFrom: signsFrom },
        { kid: freshRsa.kid, algorithm: 'RS256', use: 'sig', status: 'pending', createdAt: rotatedAt, activeFrom: signsFrom },
        { kid: old.kid, algorithm: 'EdDSA', use: 'sig', status: 'active', createdAt: created, activeFrom: created, retiredAt: signsFrom, dropsAt: new Date(signsFrom.getTime() + 7 * DAY) },
        { kid: oldEnc[0], algorithm: expect.any(String), use: 'enc', status: 'retired', createdAt: created, activeFrom: created, retiredAt: rotatedAt, dropsAt: new Date(rotatedAt.getTime() + 7 * DAY) },
        { kid: freshEnc[0], algorithm: expect.any(String), use: 'enc', status: 'active', createdAt: rotatedAt, activeFrom: rotatedAt },
      ]),
    );
    // A partner that read the JWKS just before the rotation may keep it this long: it still verifies us.
    clock = new Date(rotatedAt.getTime() + JWKS_MAX_AGE_SECONDS * 1000);
    expect(ring.activeKey().kid).toBe(old.kid);

    clock = signsFrom;
    expect([ring.activeKey().kid, ring.activeKey('RS256').kid]).toEqual([fresh.kid, freshRsa.kid]);
    expect(ring.listKeys().filter((k) => k.use === 'sig').map((k) => `${k.kid} ${k.status}`).sort()).toEqual(
      [`${fresh.kid} active`, `${freshRsa.kid} active`, `${old.kid} retired`, `${oldRsa.kid} retired`].sort(),
    );
    // A message encrypted to a key read just before the rotation still decrypts.
    for (const kid of oldEnc) expect(ring.decryptionKey(kid)?.kid).toBe(kid);

    clock = new Date(signsFrom.getTime() + 7 * DAY);
    expect(ring.jwks().keys.map((k) => k.kid).sort()).toEqual([fresh.kid, freshRsa.kid, ...freshEnc].sort());
    for (const kid of oldEnc) expect(ring.decryptionKey(kid)).toBeUndefined();
    await ring.rotateKeys();
    for (const kid of [old.kid, oldRsa.kid, ...oldEnc]) expect(fs.existsSync(path.join(dataDir, 'keys', `${kid}.jwk.json`))).toBe(false);
  });

  it('revokes: signs with the new keys at once and deletes every earlier key (a key that may have leaked)', async () => {
    const ring = await KeyRing.open(dataDir, { now });
    const old = ring.activeKey();
    const oldEnc = encryptionKids(ring);
    await ring.rotateKeys(); // a rotation under way: its keys go too
    clock = new Date(clock.getTime() + DAY);
    const made = await ring.rotateKeys({ revoke: true });
    expect(made.map((k) => k.status)).toEqual(['active', 'active', 'active', 'active']);
    expect(ring.activeKey().kid).toBe(made.find((k) => k.algorithm === 'EdDSA')!.kid);
    expect(ring.listKeys().map((k) => k.kid).sort()).toEqual(made.map((k) => k.kid).sort());
    expect(ring.jwks().keys.map((k) => k.kid).sort()).toEqual(made.map((k) => k.kid).sort());
    for (const kid of oldEnc) expect(ring.decryptionKey(kid)).toBeUndefined();
    expect(fs.readdirSync(path.join(dataDir, 'keys')).sort()).toEqual(made.map((k) => `${k.kid}.jwk.json`).sort());
    expect(fs.existsSync(path.join(dataDir, 'keys', `${old.kid}.jwk.json`))).toBe(false);
  });

  it('a second rotation before the first one signs retires the key still waiting', async () => {
    const ring = await KeyRing.open(dataDir, { now });
    const old = ring.activeKey();
    const first = (await ring.rotateKeys()).find((k) => k.algorithm === 'EdDSA')!;
    clock = new Date(clock.getTime() + 60_000);
    const second = (await ring.rotateKeys()).find((k) => k.algorithm === 'EdDSA')!;
    // The old key signs until the first one's time, which signs until the second one's.
    expect(ring.activeKey().kid).toBe(old.kid);
    clock = first.activeFrom;
    expect(ring.activeKey().kid).toBe(first.kid);
    clock = second.activeFrom;
    expect(ring.activeKey().kid).toBe(second.kid);
    expect(ring.jwks().keys.map((k) => k.kid)).toEqual(expect.arrayContaining([old.kid, first.kid, second.kid]));
  });

  it('decrypts only with encryption keys: a signing key kid finds nothing', async () => {
    const ring = await KeyRing.open(dataDir, { now });
    expect(ring.decryptionKey(ring.activeKey().kid)).toBeUndefined();
    expect(ring.decryptionKey(ring.activeKey('RS256').kid)).toBeUndefined();
    expect(ring.decryptionKey('no-such-kid')).toBeUndefined();
  });

  it('parses the active key once, not on every signature', async () => {
    const ring = await KeyRing.open(dataDir, { now });
    const key = ring.activeKey();
    clock = new Date(clock.getTime() + DAY);
    expect(ring.activeKey()).toBe(key);
  });

  it('sees a rotation made by another process at its next look at the directory, a few seconds on', async () => {
    const server = await KeyRing.open(dataDir, { now });
    const before = server.activeKey().kid;
    const cli = await KeyRing.open(dataDir, { now });
    const rotated = (await cli.rotateKeys()).find((k) => k.algorithm === 'EdDSA')!;
    expect(server.jwks().keys.map((k) => k.kid)).not.toContain(rotated.kid);

    clock = new Date(clock.getTime() + 5000);
    expect(server.jwks().keys.map((k) => k.kid)).toEqual(expect.arrayContaining([rotated.kid, before]));
    expect(server.activeKey().kid).toBe(before);
    clock = rotated.activeFrom;
    expect(server.activeKey().kid).toBe(rotated.kid);
  });
});
