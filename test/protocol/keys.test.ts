import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { KeyRing, validatorFor } from '../../adapters/dci/protocol';

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

  it('generates one Ed25519 key on first use, stored as a 0600 JWK file, and finds it again', async () => {
    const ring = await KeyRing.open(dataDir, { now });
    const key = ring.activeKey();
    expect(key.privateKey.asymmetricKeyType).toBe('ed25519');
    expect(key.kid).toBe(await calculateJwkThumbprint(key.publicJwk));
    const files = fs.readdirSync(path.join(dataDir, 'keys'));
    expect(files).toEqual([`${key.kid}.jwk.json`]);
    expect(fs.statSync(path.join(dataDir, 'keys', files[0])).mode & 0o777).toBe(0o600);

    const reopened = await KeyRing.open(dataDir, { now });
    expect(reopened.activeKey().kid).toBe(key.kid);
    expect(reopened.listKeys()).toEqual([{ kid: key.kid, status: 'active', createdAt: clock }]);
  });

  it('publishes a JWKS the spec accepts, without private material', async () => {
    const ring = await KeyRing.open(dataDir, { now });
    const jwks = ring.jwks();
    expect(jwks.keys).toEqual([{ kty: 'OKP', crv: 'Ed25519', x: ring.activeKey().publicJwk.x, kid: ring.activeKey().kid, alg: 'EdDSA', use: 'sig' }]);
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    expect(validatorFor('jwks', '/.well-known/jwks.json', 'response')(jwks)).toEqual({ ok: true });
  });

  it('keeps the old key in the JWKS for the grace period after a rotation, then drops it', async () => {
    const ring = await KeyRing.open(dataDir, { now, graceMs: 7 * DAY });
    const old = ring.activeKey();
    clock = new Date(clock.getTime() + DAY);
    const fresh = await ring.rotateKeys();
    expect(fresh.kid).not.toBe(old.kid);
    expect(ring.activeKey().kid).toBe(fresh.kid);
    expect(ring.jwks().keys.map((k) => k.kid)).toEqual([fresh.kid, old.kid]);
    expect(ring.listKeys()).toEqual([
      { kid: fresh.kid, status: 'active', createdAt: clock },
      { kid: old.kid, status: 'retired', createdAt: new Date('2026-01-01T00:00:00Z'), retiredAt: clock, dropsAt: new Date(clock.getTime() + 7 * DAY) },
    ]);

    clock = new Date(clock.getTime() + 7 * DAY);
    expect(ring.jwks().keys.map((k) => k.kid)).toEqual([fresh.kid]);
    await ring.rotateKeys();
    expect(fs.existsSync(path.join(dataDir, 'keys', `${old.kid}.jwk.json`))).toBe(false);
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
    const rotated = await cli.rotateKeys();
    expect(server.activeKey().kid).toBe(before);

    clock = new Date(clock.getTime() + 5000);
    expect(server.activeKey().kid).toBe(rotated.kid);
    expect(server.jwks().keys.map((k) => k.kid)).toEqual([rotated.kid, before]);
  });
});
