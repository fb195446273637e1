/**
 * Our own keys, one JWK file per key under `<dataDir>/keys/` (mode 0600), generated on first use: an
 * Ed25519 key for the spec's signatures and the JWS profiles, an RSA key for partners whose code
 * signs and verifies RS256 only (OpenG2P), and two encryption keys partners encrypt messages to us
 * with (`use: enc`): X25519 for ECDH-ES+A256KW, RSA for partners whose code offers RSA-OAEP-256 only.
 * Rotation adds a new key of each kind and retires the previous ones, which stay in the JWKS for a
 * grace period so signatures made, and messages encrypted, just before the rotation still verify and
 * decrypt, then drop out. A new signing key is published at once but signs only once every copy of
 * our JWKS a partner may have cached (JWKS_MAX_AGE_SECONDS) is out of date: a partner that verifies
 * with its cached copy never meets a kid it does not hold. The previous key signs until then.
 * The files are read and the active keys parsed once per change, not per signature. Changes by other
 * processes (the CLI rotating keys while the server runs) are seen through the directory's mtime and
 * inode, looked at every few seconds: every write goes through a rename, which touches the mtime.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, JsonWebKey, KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The JWS algorithm each kind of signing key signs with. */
export const KEY_ALGORITHMS = ['EdDSA', 'RS256'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** The JWE key-management algorithm each kind of encryption key decrypts with. */
export const ENCRYPTION_ALGORITHMS = ['ECDH-ES+A256KW', 'RSA-OAEP-256'] as const;
export type EncryptionAlgorithm = (typeof ENCRYPTION_ALGORITHMS)[number];

type StoredAlgorithm = KeyAlgorithm | EncryptionAlgorithm;
const STORED_ALGORITHMS: readonly StoredAlgorithm[] = [...KEY_ALGORITHMS, ...ENCRYPTION_ALGORITHMS];
const isEncryption = (algorithm: StoredAlgorithm): algorithm is EncryptionAlgorithm => (ENCRYPTION_ALGORITHMS as readonly string[]).includes(algorithm);

export type PublicJwk = JsonWebKey & { kid: string; alg: KeyAlgorithm; use: 'sig' } & (
    | { kty: 'OKP'; crv: 'Ed25519'; x: string }
    | { kty: 'RSA'; n: string; e: string }
  );

export type PublicEncryptionJwk = JsonWebKey & { kid: string; alg: EncryptionAlgorithm; use: 'enc' } & (
    | { kty: 'OKP'; crv: 'X25519'; x: string }
    | { kty: 'RSA'; n: string; e: string }
  );

export interface OurSigningKey {
  /** RFC 7638 thumbprint of the public key, as the JWKS spec describes `kid`. */
  kid: string;
  algorithm: KeyAlgorithm;
  privateKey: KeyObject;
  publicJwk: PublicJwk;
}

/** One of our encryption keys, active or retired within the grace period: what a message to `kid` decrypts with. */
export interface OurDecryptionKey {
  kid: string;
  algorithm: EncryptionAlgorithm;
  privateKey: KeyObject;
}

export interface KeyInfo {
  kid: string;
  algorithm: StoredAlgorithm;
  use: 'sig' | 'enc';
  /** `pending`: a signing key published in the JWKS that signs from `activeFrom`. */
  status: 'pending' | 'active' | 'retired';
  createdAt: Date;
  /** When the key signs (a signing key) or is offered (an encryption key) from. */
  activeFrom: Date;
  retiredAt?: Date;
  /** When a retired key leaves the JWKS. */
  dropsAt?: Date;
}

type PrivateJwk = { kty: 'OKP'; crv: 'Ed25519' | 'X25519'; x: string; d: string } | { kty: 'RSA'; n: string; e: string; d: string; p: string; q: string; dp: string; dq: string; qi: string };

/** The file format: the private JWK plus the key's life cycle. Files without `alg` predate RSA keys: Ed25519. */
interface StoredKey {
  kid: string;
  alg?: StoredAlgorithm;
  createdAt: string;
  /** A signing key made by a rotation signs from then on; absent: from its creation. */
  activeFrom?: string;
  retiredAt?: string;
  jwk: PrivateJwk;
}

const algorithmOf = (key: StoredKey): StoredAlgorithm => key.alg ?? 'EdDSA';

export const DEFAULT_KEY_GRACE_MS = 7 * 24 * 3600 * 1000;

/** How long a partner may keep our JWKS (its Cache-Control max-age). */
export const JWKS_MAX_AGE_SECONDS = 300;
/** A rotated signing key signs this long after it is published: the JWKS's max-age and a minute to spare. */
export const PUBLISH_AHEAD_MS = (JWKS_MAX_AGE_SECONDS + 60) * 1000;

const activeFromOf = (key: StoredKey) => Date.parse(key.activeFrom ?? key.createdAt);
const retiredBy = (key: StoredKey, at: number) => key.retiredAt !== undefined && Date.parse(key.retiredAt) <= at;

/** How often the directory is looked at for another process's changes: a rotation is seen within this. */
const RECHECK_MS = 2000;

/** RFC 7638: the required members in lexicographic order. */
function thumbprint(jwk: PrivateJwk): string {
  const members = jwk.kty === 'OKP' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x } : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** A new private key of this kind; RSA at 2048 bits, the size RS256 verifiers and RSA-OAEP encrypters expect at least. */
function generate(algorithm: StoredAlgorithm): PrivateJwk {
  const { privateKey } =
    algorithm === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : algorithm === 'ECDH-ES+A256KW'
        ? generateKeyPairSync('x25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ format: 'jwk' }) as PrivateJwk;
}

export class KeyRing {
  /** Every key file as last read, newest first. */
  private keys: StoredKey[] = [];
  /** The signing key of each algorithm last used, parsed. */
  private active = new Map<KeyAlgorithm, OurSigningKey>();
  /** Encryption keys parsed so far, by kid (a kid is a thumbprint: the same kid is the same key). */
  private decrypting = new Map<string, OurDecryptionKey>();
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
    // A key ring written before RSA keys existed gains one beside its Ed25519 key, which stays active.
    // Likewise for the encryption keys, added beside the signing keys of an older ring.
    const at = ring.now().getTime();
    for (const algorithm of STORED_ALGORITHMS) if (!ring.current().some((k) => !retiredBy(k, at) && algorithmOf(k) === algorithm)) ring.add(algorithm, at);
    return ring;
  }

  listKeys(): KeyInfo[] {
    const at = this.now().getTime();
    return this.current().map((k) => ({
      kid: k.kid,
      algorithm: algorithmOf(k),
      use: isEncryption(algorithmOf(k)) ? ('enc' as const) : ('sig' as const),
      status: retiredBy(k, at) ? 'retired' : activeFromOf(k) > at ? 'pending' : 'active',
      createdAt: new Date(k.createdAt),
      activeFrom: new Date(activeFromOf(k)),
      ...(k.retiredAt && { retiredAt: new Date(k.retiredAt), dropsAt: new Date(Date.parse(k.retiredAt) + this.graceMs) }),
    }));
  }

  /** The key that signs with `algorithm` now (Ed25519 unless a profile asks for RS256): of those signing, the latest to start. */
  activeKey(algorithm: KeyAlgorithm = 'EdDSA'): OurSigningKey {
    const at = this.now().getTime();
    let stored: StoredKey | undefined;
    for (const k of this.current()) {
      if (algorithmOf(k) !== algorithm || activeFromOf(k) > at || retiredBy(k, at)) continue;
      if (!stored || activeFromOf(k) > activeFromOf(stored)) stored = k;
    }
    if (!stored) throw new Error(`no active ${algorithm} signing key in ${this.dir}`);
    // The kid is the key's thumbprint: the same kid is the same key, already parsed.
    let key = this.active.get(algorithm);
    if (key?.kid !== stored.kid) {
      key = { kid: stored.kid, algorithm, privateKey: createPrivateKey({ key: stored.jwk, format: 'jwk' }), publicJwk: publicJwkOf(stored) as PublicJwk };
      this.active.set(algorithm, key);
    }
    return key;
  }

  /**
   * The encryption key a message names in its JWE header (`kid`), active or retired within the grace
   * period, or undefined: a partner may have encrypted with the key it read just before a rotation.
   */
  decryptionKey(kid: string): OurDecryptionKey | undefined {
    const stored = this.current().find((k) => k.kid === kid);
    const algorithm = stored && algorithmOf(stored);
    if (!stored || !algorithm || !isEncryption(algorithm)) return undefined;
    let key = this.decrypting.get(kid);
    if (!key) {
      key = { kid, algorithm, privateKey: createPrivateKey({ key: stored.jwk, format: 'jwk' }) };
      this.decrypting.set(kid, key);
    }
    return key;
  }

  /** Every key that may still verify or decrypt: the active ones and the retired ones within the grace period. */
  jwks(): { keys: (PublicJwk | PublicEncryptionJwk)[] } {
    return { keys: this.current().map(publicJwkOf) };
  }

  /**
   * Makes a new key of each kind and retires the others. The new encryption keys are offered at once
   * (the old ones still decrypt for the grace period); the new signing keys sign `publishAheadMs` later
   * (PUBLISH_AHEAD_MS at least), the old ones until then. With `revoke` (a key that may have leaked)
   * the new keys sign at once and every earlier key is deleted: it leaves the JWKS and verifies or
   * decrypts nothing more. Returns the new keys.
   */
  async rotateKeys(opts: { revoke?: boolean; publishAheadMs?: number } = {}): Promise<KeyInfo[]> {
    const now = this.now().getTime();
    const signsFrom = opts.revoke ? now : now + Math.max(opts.publishAheadMs ?? 0, PUBLISH_AHEAD_MS);
    for (const key of this.current()) {
      if (opts.revoke) {
        this.remove(key.kid);
        continue;
      }
      const retiredAt = isEncryption(algorithmOf(key)) ? now : signsFrom;
      if (key.retiredAt === undefined || Date.parse(key.retiredAt) > retiredAt) this.write({ ...key, retiredAt: new Date(retiredAt).toISOString() });
    }
    const made = STORED_ALGORITHMS.map((algorithm) => this.add(algorithm, now, isEncryption(algorithm) ? now : signsFrom));
    this.prune();
    return this.listKeys().filter((key) => made.includes(key.kid));
  }

  /** A new key of this kind, in use from `activeFrom`; returns its kid. */
  private add(algorithm: StoredAlgorithm, createdAt: number, activeFrom = createdAt): string {
    const jwk = generate(algorithm);
    const kid = thumbprint(jwk);
    this.write({ kid, alg: algorithm, createdAt: new Date(createdAt).toISOString(), ...(activeFrom > createdAt && { activeFrom: new Date(activeFrom).toISOString() }), jwk });
    return kid;
  }

  /** Keys still usable, newest first. */
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
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
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
    for (const key of this.keys.filter((k) => this.dropped(k))) this.remove(key.kid);
  }

  private remove(kid: string): void {
    fs.rmSync(this.file(kid), { force: true });
    this.decrypting.delete(kid);
    // Our own change is seen at once, not at the next look at the directory.
    this.loaded = undefined;
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

function publicJwkOf(key: StoredKey): PublicJwk | PublicEncryptionJwk {
  const { jwk, kid } = key;
  const alg = algorithmOf(key);
  const members = jwk.kty === 'OKP' ? { kty: 'OKP' as const, crv: jwk.crv, x: jwk.x } : { kty: 'RSA' as const, n: jwk.n, e: jwk.e };
  return { ...members, kid, alg, use: isEncryption(alg) ? 'enc' : 'sig' } as PublicJwk | PublicEncryptionJwk;
}

/** A public key as PEM (SubjectPublicKeyInfo), the form OpenSPP keeps partner keys in. */
export function publicKeyPem(jwk: PublicJwk | PublicEncryptionJwk): string {
  return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
}
