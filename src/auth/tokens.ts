/**
 * Bearer tokens: the gateway issues and verifies its own (EdDSA, key kept in the data directory) and
 * optionally accepts the tokens of one external issuer, whose keys come from its JWKS URL.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createRemoteJWKSet, decodeJwt, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { GatewayError } from '../errors';
import type { Principal } from './principal';
import { isScope, type Scope } from './scopes';

/** The `aud` of every token we issue, so tokens minted for other services are not accepted here. */
export const TOKEN_AUDIENCE = 'dci-gateway';
export const DEFAULT_USER_TOKEN_TTL_SECONDS = 12 * 60 * 60;

const KEY_DIR = 'auth';
const KEY_FILE = 'token-key.json';
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
}

export interface IssueTokenInput {
  subject: string;
  scopes: Iterable<Scope>;
  kind: Principal['kind'];
  /** Required for partner tokens, refused for user tokens. */
  partnerId?: string;
  ttlSeconds: number;
}

export class TokenService {
  private constructor(
    private readonly issuer: string,
    private readonly signingKey: KeyObject,
    private readonly verificationKey: KeyObject,
    private readonly external: { config: ExternalIssuer; jwks: ReturnType<typeof createRemoteJWKSet> } | undefined,
  ) {}

  static async open(opts: TokenServiceOptions): Promise<TokenService> {
    const signingKey = await loadOrCreateSigningKey(opts.dataDir);
    // One key set per service: jose caches the fetched keys and refetches on an unknown kid.
    const external = opts.external && { config: opts.external, jwks: createRemoteJWKSet(new URL(opts.external.jwksUrl)) };
    return new TokenService(opts.issuer, signingKey, createPublicKey(signingKey), external);
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
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(input.subject)
      .setIssuedAt(now)
      .setExpirationTime(now + input.ttlSeconds)
      .setJti(randomUUID())
      .sign(this.signingKey);
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
      const { payload } = await jwtVerify(token, this.verificationKey, {
        issuer: this.issuer,
        audience: TOKEN_AUDIENCE,
        algorithms: ['EdDSA'],
        requiredClaims: ['exp'],
      });
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

async function loadOrCreateSigningKey(dataDir: string): Promise<KeyObject> {
  const dir = path.join(dataDir, KEY_DIR);
  const file = path.join(dir, KEY_FILE);
  // Modes passed to mkdir/open are only ever narrowed by the umask, so these are upper bounds.
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    return await readSigningKey(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }

  // Write aside and hard-link into place: a concurrent reader never sees a partial file, and if
  // another process created the key first, link fails and we use that key instead of replacing it.
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  const tmp = `${file}.${randomUUID()}.tmp`;
  try {
    const handle = await fs.open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify(jwk));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.link(tmp, file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  } finally {
    await fs.rm(tmp, { force: true });
  }
  return readSigningKey(file);
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
