/**
 * Our own signing keys: Ed25519, one JWK file per key under `<dataDir>/keys/` (mode 0600), generated
 * on first use. Rotation adds a new active key and retires the previous one, which stays in the JWKS
 * for a grace period so signatures made just before the rotation still verify, then drops out.
 * Changes by other processes (the CLI rotating keys while the server runs) are seen through the
 * directory's mtime: every write goes through a rename, which touches it.
 */
import { createHash, createPrivateKey, generateKeyPairSync, JsonWebKey, KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface PublicJwk extends JsonWebKey {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

export interface OurSigningKey {
  /** RFC 7638 thumbprint of the public key, as the JWKS spec describes `kid`. */
  kid: string;
  privateKey: KeyObject;
  publicJwk: PublicJwk;
}

export interface KeyInfo {
  kid: string;
  status: 'active' | 'retired';
  createdAt: Date;
  retiredAt?: Date;
  /** When a retired key leaves the JWKS. */
  dropsAt?: Date;
}

/** The file format: the private JWK plus the key's life cycle. */
interface StoredKey {
  kid: string;
  createdAt: string;
  retiredAt?: string;
  jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; d: string };
}

export const DEFAULT_KEY_GRACE_MS = 7 * 24 * 3600 * 1000;

const thumbprint = (x: string) => createHash('sha256').update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x })).digest('base64url');

export class KeyRing {
  private keys: StoredKey[] = [];
  private loadedMtime = -1;

  private constructor(
    private readonly dir: string,
    private readonly graceMs: number,
    private readonly now: () => Date,
  ) {}

  static async open(dataDir: string, opts: { graceMs?: number; now?: () => Date } = {}): Promise<KeyRing> {
    const ring = new KeyRing(path.join(dataDir, 'keys'), opts.graceMs ?? DEFAULT_KEY_GRACE_MS, opts.now ?? (() => new Date()));
    fs.mkdirSync(ring.dir, { recursive: true, mode: 0o700 });
    ring.prune();
    if (!ring.current().some((k) => !k.retiredAt)) await ring.rotateKeys();
    return ring;
  }

  listKeys(): KeyInfo[] {
    return this.current().map((k) => ({
      kid: k.kid,
      status: k.retiredAt ? 'retired' : 'active',
      createdAt: new Date(k.createdAt),
      ...(k.retiredAt && { retiredAt: new Date(k.retiredAt), dropsAt: new Date(Date.parse(k.retiredAt) + this.graceMs) }),
    }));
  }

  activeKey(): OurSigningKey {
    const stored = this.current().find((k) => !k.retiredAt);
    if (!stored) throw new Error(`no active signing key in ${this.dir}`);
    return { kid: stored.kid, privateKey: createPrivateKey({ key: stored.jwk, format: 'jwk' }), publicJwk: publicJwkOf(stored) };
  }

  /** Every key that may still verify: the active ones and the retired ones within the grace period. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.current().map(publicJwkOf) };
  }

  /** Makes a new active key and retires the others; returns the new key. */
  async rotateKeys(): Promise<OurSigningKey> {
    const createdAt = this.now().toISOString();
    for (const key of this.current()) if (!key.retiredAt) this.write({ ...key, retiredAt: createdAt });
    const { privateKey } = generateKeyPairSync('ed25519');
    const { x, d } = privateKey.export({ format: 'jwk' });
    if (!x || !d) throw new Error('Ed25519 key export lacks x or d');
    this.write({ kid: thumbprint(x), createdAt, jwk: { kty: 'OKP', crv: 'Ed25519', x, d } });
    this.prune();
    return this.activeKey();
  }

  /** Keys still usable, active first then newest first, reloaded when another process changed the directory. */
  private current(): StoredKey[] {
    const mtime = fs.statSync(this.dir).mtimeMs;
    if (mtime !== this.loadedMtime) {
      this.keys = fs
        .readdirSync(this.dir)
        .filter((name) => name.endsWith('.jwk.json'))
        .map((name) => JSON.parse(fs.readFileSync(path.join(this.dir, name), 'utf8')) as StoredKey)
        .sort((a, b) => Number(a.retiredAt !== undefined) - Number(b.retiredAt !== undefined) || b.createdAt.localeCompare(a.createdAt));
      // A change made within the timestamp granularity of this load could go unseen: only trust the
      // cache once the directory is older than that.
      this.loadedMtime = Date.now() - mtime > 1000 ? mtime : -1;
    }
    return this.keys.filter((k) => !this.dropped(k));
  }

  private dropped(key: StoredKey): boolean {
    return key.retiredAt !== undefined && Date.parse(key.retiredAt) + this.graceMs <= this.now().getTime();
  }

  /** Private keys past their grace period are of no use to anyone: delete them. */
  private prune(): void {
    this.current();
    for (const key of this.keys.filter((k) => this.dropped(k))) fs.rmSync(this.file(key.kid), { force: true });
  }

  private write(key: StoredKey): void {
    const temp = `${this.file(key.kid)}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(key, null, 2), { mode: 0o600 });
    fs.renameSync(temp, this.file(key.kid));
  }

  private file(kid: string): string {
    return path.join(this.dir, `${kid}.jwk.json`);
  }
}

function publicJwkOf(key: StoredKey): PublicJwk {
  return { kty: 'OKP', crv: 'Ed25519', x: key.jwk.x, kid: key.kid, alg: 'EdDSA', use: 'sig' };
}
