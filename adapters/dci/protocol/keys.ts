/**
 * Our own signing keys: Ed25519, one JWK file per key under `<dataDir>/keys/` (mode 0600), generated
 * on first use. Rotation adds a new active key and retires the previous one, which stays in the JWKS
 * for a grace period so signatures made just before the rotation still verify, then drops out.
 * The files are read and the active key parsed once per change, not per signature. Changes by other
 * processes (the CLI rotating keys while the server runs) are seen through the directory's mtime and
 * inode, looked at every few seconds: every write goes through a rename, which touches the mtime.
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

/** How often the directory is looked at for another process's changes: a rotation is seen within this. */
const RECHECK_MS = 2000;

const thumbprint = (x: string) => createHash('sha256').update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x })).digest('base64url');

export class KeyRing {
  /** Every key file as last read, active first then newest first. */
  private keys: StoredKey[] = [];
  private active: OurSigningKey | undefined;
  /** The directory when the files were read; undefined until read, or after our own writes. */
  private loaded: { mtimeMs: number; ino: number; trusted: boolean } | undefined;
  private checkedAt = -Infinity;

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
    this.refresh();
    if (!this.active) throw new Error(`no active signing key in ${this.dir}`);
    return this.active;
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

  /** Keys still usable, active first then newest first. */
  private current(): StoredKey[] {
    this.refresh();
    return this.keys.filter((k) => !this.dropped(k));
  }

  /** Rereads the key files when the directory changed, looking at it at most every RECHECK_MS. */
  private refresh(): void {
    const at = this.now().getTime();
    // A clock stepped back counts as due, so it cannot put off the next look.
    if (this.loaded && at >= this.checkedAt && at - this.checkedAt < RECHECK_MS) return;
    this.checkedAt = at;
    const { mtimeMs, ino } = fs.statSync(this.dir);
    if (this.loaded?.trusted && this.loaded.mtimeMs === mtimeMs && this.loaded.ino === ino) return;
    this.keys = fs
      .readdirSync(this.dir)
      .filter((name) => name.endsWith('.jwk.json'))
      .map((name) => JSON.parse(fs.readFileSync(path.join(this.dir, name), 'utf8')) as StoredKey)
      .sort((a, b) => Number(a.retiredAt !== undefined) - Number(b.retiredAt !== undefined) || b.createdAt.localeCompare(a.createdAt));
    const stored = this.keys.find((k) => !k.retiredAt);
    // The kid is the key's thumbprint: the same kid is the same key, already parsed.
    if (stored?.kid !== this.active?.kid) {
      this.active = stored && { kid: stored.kid, privateKey: createPrivateKey({ key: stored.jwk, format: 'jwk' }), publicJwk: publicJwkOf(stored) };
    }
    // A change made within the timestamp granularity of this read could go unseen: an unchanged
    // mtime only proves nothing changed once the directory is older than that.
    this.loaded = { mtimeMs, ino, trusted: Date.now() - mtimeMs > 1000 };
  }

  private dropped(key: StoredKey): boolean {
    return key.retiredAt !== undefined && Date.parse(key.retiredAt) + this.graceMs <= this.now().getTime();
  }

  /** Private keys past their grace period are of no use to anyone: delete them. */
  private prune(): void {
    this.current();
    const dropped = this.keys.filter((k) => this.dropped(k));
    for (const key of dropped) fs.rmSync(this.file(key.kid), { force: true });
    if (dropped.length > 0) this.loaded = undefined;
  }

  private write(key: StoredKey): void {
    const temp = `${this.file(key.kid)}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(key, null, 2), { mode: 0o600 });
    fs.renameSync(temp, this.file(key.kid));
    // Our own change is seen at once, not at the next look at the directory.
    this.loaded = undefined;
  }

  private file(kid: string): string {
    return path.join(this.dir, `${kid}.jwk.json`);
  }
}

function publicJwkOf(key: StoredKey): PublicJwk {
  return { kty: 'OKP', crv: 'Ed25519', x: key.jwk.x, kid: key.kid, alg: 'EdDSA', use: 'sig' };
}
