/**
 * Bearer tokens: the gateway issues and verifies its own (EdDSA, key kept in the data directory) and
 * optionally accepts the tokens of one external issuer, whose keys come from its JWKS URL.
 *
 * Our key can be rotated (`dci-gateway keys rotate-token-key`) while gateways serve: the new key is
 * renamed over `token-key.json`, and the previous one's public half is kept in
 * `token-keys-retired.json` to verify the tokens it signed until the grace period ends (with no grace,
 * every token issued so far stops working: a revocation). Tokens name their key (`kid`, its RFC 7638
 * thumbprint); tokens from before kids were added are tried against each key. A running service
 * sees a rotation made by another process through the key file's inode, looked at every few seconds.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { GatewayError } from '../errors';
import type { Principal } from './principal';
import { isScope, type Scope } from './scopes';

/** The `aud` of every token we issue, so tokens minted for other services are not accepted here. */
export const TOKEN_AUDIENCE = 'dci-gateway';
export const DEFAULT_USER_TOKEN_TTL_SECONDS = 12 * 60 * 60;

const KEY_DIR = 'auth';
const KEY_FILE = 'token-key.json';
const RETIRED_FILE = 'token-keys-retired.json';
/** How often the key file is looked at for a rotation by another process: a rotation is seen within this. */
const RECHECK_MS = 2000;
/** By default a rotated key verifies for as long as a token issued with the default lifetime lasts. */
export const DEFAULT_TOKEN_KEY_GRACE_HOURS = DEFAULT_USER_TOKEN_TTL_SECONDS / 3600;
/** Only asymmetric algorithms: 'none' and HS* (which would treat a public key as a shared secret) stay out. */
const EXTERNAL_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];
/** The external issuer's clock is not ours; tolerate a little skew on exp/nbf. */
const EXTERNAL_CLOCK_TOLERANCE_SECONDS = 30;

export interface ExternalIssuer {
  jwksUrl: string;
  issuer: string;
  audience: string;
}

export interface TokenServiceOptions {
  dataDir: string;
  /** Our `iss`: the gateway's DCI sender id. */
  issuer: string;
  external?: ExternalIssuer;
  /** The clock that times the look at the key file and the retired keys' grace (tests move it). */
  now?: () => number;
}

export interface IssueTokenInput {
  subject: string;
  scopes: Iterable<Scope>;
  kind: Principal['kind'];
  /** Required for partner tokens, refused for user tokens. */
  partnerId?: string;
  ttlSeconds: number;
}

/** A key our tokens verify with: the signing key's public half, or a retired one's until its grace ends. */
interface VerifyingKey {
  kid: string;
  key: KeyObject;
  /** Epoch ms after which a retired key verifies nothing; Infinity for the signing key. */
  until: number;
}

interface TokenKeys {
  /** The key file's inode when read: a rotation renames a new file over it. */
  ino: number;
  kid: string;
  signingKey: KeyObject;
  verifying: VerifyingKey[];
}

/** The file of retired keys: public halves only, a retired key never signs again. */
interface RetiredTokenKey {
  kid: string;
  jwk: JsonWebKey;
  retiredAt: string;
  verifiesUntil: string;
}

export interface RotatedTokenKey {
  kid: string;
  /** The retired keys that still verify the tokens they signed, and until when. */
  retired: { kid: string; verifiesUntil: string }[];
}

export class TokenService {
  private checkedAt: number;

  private constructor(
    private readonly issuer: string,
    private readonly dir: string,
    private keys: TokenKeys,
    private readonly external: { config: ExternalIssuer; jwks: ReturnType<typeof createRemoteJWKSet> } | undefined,
    private readonly now: () => number,
  ) {
    this.checkedAt = now();
  }

  static async open(opts: TokenServiceOptions): Promise<TokenService> {
    const dir = path.join(opts.dataDir, KEY_DIR);
    await ensureSigningKey(dir);
    // One key set per service: jose caches the fetched keys and refetches on an unknown kid.
    const external = opts.external && { config: opts.external, jwks: createRemoteJWKSet(new URL(opts.external.jwksUrl)) };
    return new TokenService(opts.issuer, dir, await readTokenKeys(dir), external, opts.now ?? Date.now);
  }

  /** The keys as last read, read again when another process rotated them (looked at every RECHECK_MS). */
  private async currentKeys(): Promise<TokenKeys> {
    const at = this.now();
    // A clock stepped back counts as due, so it cannot put off the next look.
    if (at >= this.checkedAt && at - this.checkedAt < RECHECK_MS) return this.keys;
    this.checkedAt = at;
    // A file that cannot be read now (removed by hand) leaves the keys as they were until it can.
    const ino = await fs.stat(path.join(this.dir, KEY_FILE)).then((stat) => stat.ino, () => this.keys.ino);
    if (ino !== this.keys.ino) this.keys = await readTokenKeys(this.dir).catch(() => this.keys);
    return this.keys;
  }

  async issue(input: IssueTokenInput): Promise<string> {
    if (!Number.isSafeInteger(input.ttlSeconds) || input.ttlSeconds <= 0) {
      throw new RangeError('ttlSeconds must be a positive integer');
    }
    if (!input.subject) throw new TypeError('subject must not be empty');
    if ((input.kind === 'partner') !== Boolean(input.partnerId)) {
      throw new TypeError('partnerId is required for partner tokens and not allowed for user tokens');
    }
    const now = Math.floor(Date.now() / 1000);
    const claims: JWTPayload = { scope: [...new Set(input.scopes)].join(' '), kind: input.kind };
    if (input.partnerId) claims.partner_id = input.partnerId;
    const keys = await this.currentKeys();
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: keys.kid })
      .setIssuer(this.issuer)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(input.subject)
      .setIssuedAt(now)
      .setExpirationTime(now + input.ttlSeconds)
      .setJti(randomUUID())
      .sign(keys.signingKey);
  }

  /** Each key tried at most once: the one the token names, or every one for a token that names none. */
  private async verifiedOwnClaims(token: string): Promise<JWTPayload | undefined> {
    const { kid } = decodeProtectedHeader(token);
    const now = this.now();
    for (const candidate of (await this.currentKeys()).verifying) {
      if ((kid !== undefined && candidate.kid !== kid) || candidate.until <= now) continue;
      const verified = await jwtVerify(token, candidate.key, { issuer: this.issuer, audience: TOKEN_AUDIENCE, algorithms: ['EdDSA'], requiredClaims: ['exp'] }).catch(() => undefined);
      if (verified) return verified.payload;
    }
    return undefined;
  }

  /** Every failure gives the same client-safe error: the reason would only help an attacker. */
  async verify(token: string): Promise<Principal> {
    const principal = await this.verifiedPrincipal(token).catch(() => undefined);
    if (!principal) throw new GatewayError('UNAUTHENTICATED', 'invalid or expired token');
    return principal;
  }

  private async verifiedPrincipal(token: string): Promise<Principal | undefined> {
    // Unverified read, used only to pick the verifier; each verifier checks `iss` again.
    const { iss } = decodeJwt(token);

    if (iss === this.issuer) {
      const payload = await this.verifiedOwnClaims(token);
      if (!payload) return undefined;
      const { sub, kind, partner_id: partnerId } = payload;
      if (!isNonEmptyString(sub)) return undefined;
      if (kind === 'user' && partnerId === undefined) {
        return { subject: sub, scopes: grantedScopes(payload.scope), kind, issuer: iss };
      }
      if (kind === 'partner' && isNonEmptyString(partnerId)) {
        return { subject: sub, scopes: grantedScopes(payload.scope), kind, partnerId, issuer: iss };
      }
      return undefined;
    }

    if (this.external && iss === this.external.config.issuer) {
      const { payload } = await jwtVerify(token, this.external.jwks, {
        issuer: this.external.config.issuer,
        audience: this.external.config.audience,
        algorithms: EXTERNAL_ALGORITHMS,
        requiredClaims: ['exp'],
        clockTolerance: EXTERNAL_CLOCK_TOLERANCE_SECONDS,
      });
      if (!isNonEmptyString(payload.sub)) return undefined;
      // Partner identities are only ever minted by us, so an external token always stands for a user.
      return { subject: payload.sub, scopes: grantedScopes(payload.scope, payload.scp), kind: 'user', issuer: iss };
    }

    return undefined;
  }
}

/** The token from an `Authorization: Bearer <token>` header (scheme case-insensitive), if there is one. */
export function bearerToken(authorizationHeader?: string): string | undefined {
  return /^Bearer +([^\s]+) *$/i.exec(authorizationHeader ?? '')?.[1];
}

/**
 * Scopes from `scope` (space-separated, RFC 8693) and `scp` (an array, or a string as some issuers
 * send it); unknown names are dropped rather than rejected, so they grant nothing.
 */
function grantedScopes(...claims: unknown[]): ReadonlySet<Scope> {
  const names = claims.flatMap((claim) =>
    typeof claim === 'string' ? claim.split(/\s+/) : Array.isArray(claim) ? claim : [],
  );
  return new Set(names.filter(isScope));
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Makes the signing key file if there is none; a key another process made first is kept. */
async function ensureSigningKey(dir: string): Promise<void> {
  const file = path.join(dir, KEY_FILE);
  // Modes passed to mkdir/open are only ever narrowed by the umask, so these are upper bounds.
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const exists = await fs.stat(file).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      return false;
    },
  );
  if (exists) return;
  // Hard-linked into place: if another process created the key first, link fails and that key stays.
  await placeFile(file, jwkText(newSigningKey()), (temp) =>
    fs.link(temp, file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    }),
  );
}

const newSigningKey = () => generateKeyPairSync('ed25519').privateKey;
const jwkText = (key: KeyObject) => JSON.stringify(key.export({ format: 'jwk' }));
/** RFC 7638 thumbprint of a public key: the `kid` of the tokens it verifies. */
const kidOf = (publicKey: KeyObject) => calculateJwkThumbprint(publicKey.export({ format: 'jwk' }) as JWK);

/** Writes `text` aside (mode 0600, synced), then `place`s it: a reader never sees a partial file. */
async function placeFile(file: string, text: string, place: (temp: string) => Promise<void>): Promise<void> {
  const temp = `${file}.${randomUUID()}.tmp`;
  try {
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await place(temp);
  } finally {
    await fs.rm(temp, { force: true });
  }
}

/**
 * Makes a new signing key. The previous one verifies the tokens it signed for `graceMs` more, and
 * earlier retired keys until their own end; with `graceMs` 0 no earlier key verifies anything more.
 */
export async function rotateTokenKey(dataDir: string, graceMs: number, now = new Date()): Promise<RotatedTokenKey> {
  const dir = path.join(dataDir, KEY_DIR);
  await ensureSigningKey(dir);
  const retired = graceMs > 0 ? (await readRetiredKeys(dir)).filter((key) => Date.parse(key.verifiesUntil) > now.getTime()) : [];
  if (graceMs > 0) {
    const previous = createPublicKey(await readSigningKey(path.join(dir, KEY_FILE)));
    retired.push({ kid: await kidOf(previous), jwk: previous.export({ format: 'jwk' }), retiredAt: now.toISOString(), verifiesUntil: new Date(now.getTime() + graceMs).toISOString() });
  }
  // The retired keys first: a service that sees the new key file reads them with it.
  const rename = (file: string) => (temp: string) => fs.rename(temp, file);
  await placeFile(path.join(dir, RETIRED_FILE), JSON.stringify(retired, null, 2), rename(path.join(dir, RETIRED_FILE)));
  const next = newSigningKey();
  await placeFile(path.join(dir, KEY_FILE), jwkText(next), rename(path.join(dir, KEY_FILE)));
  return { kid: await kidOf(createPublicKey(next)), retired: retired.map((key) => ({ kid: key.kid, verifiesUntil: key.verifiesUntil })) };
}

/** The signing key with its kid, and every key that verifies. */
async function readTokenKeys(dir: string): Promise<TokenKeys> {
  const file = path.join(dir, KEY_FILE);
  const { ino } = await fs.stat(file);
  const signingKey = await readSigningKey(file);
  const publicKey = createPublicKey(signingKey);
  const kid = await kidOf(publicKey);
  const retired = (await readRetiredKeys(dir)).map((key) => ({ kid: key.kid, key: createPublicKey({ key: key.jwk, format: 'jwk' }), until: Date.parse(key.verifiesUntil) }));
  return { ino, kid, signingKey, verifying: [{ kid, key: publicKey, until: Infinity }, ...retired] };
}

async function readRetiredKeys(dir: string): Promise<RetiredTokenKey[]> {
  const file = path.join(dir, RETIRED_FILE);
  const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '[]';
    throw err;
  });
  const keys: unknown = JSON.parse(text);
  if (!Array.isArray(keys)) throw new Error(`${file} must hold a list of retired token keys`);
  return keys as RetiredTokenKey[];
}

async function readSigningKey(file: string): Promise<KeyObject> {
  const text = await fs.readFile(file, 'utf8');
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: JSON.parse(text), format: 'jwk' });
  } catch {
    // No cause attached: parse errors can quote the file's content, which is the private key.
    throw new Error(`${file} does not hold a private key JWK`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file} must hold an Ed25519 key`);
  return key;
}
