/**
 * The registries' message signatures, in the project's default profile (README "Message signature",
 * SPEC-NOTES 1.4): body field `signature` =
 *   Signature: namespace="dci", kidId="<sender_id>|<kid>|ed25519", algorithm="ed25519",
 *   created="C", expires="E", headers="(created) (expires) digest", signature="<base64 Ed25519>"
 * over "(created): C\n(expires): E\ndigest: D", D = base64 SHA-256 of the JCS form of {header, message}.
 */
import { createHash, createPublicKey, generateKeyPairSync, JsonWebKey, KeyObject, sign, verify } from 'node:crypto';
import canonicalize from 'canonicalize';
import { newEncryptionKey, RegistryEncryptionKey } from './encryption';

const SIGNATURE_LIFETIME_S = 300;
const MAX_SKEW_S = 60;
const MAX_VALIDITY_S = 3600;
const COVERED = '(created) (expires) digest';

export interface PublicJwk extends JsonWebKey {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

export interface RegistryKey {
  senderId: string;
  kid: string;
  privateKey: KeyObject;
  publicJwk: PublicJwk;
  /** What requests to this registry may be encrypted to. */
  encryption: RegistryEncryptionKey;
}

export type Envelope = { signature?: string; header: Record<string, unknown>; message?: unknown };

/** A fresh Ed25519 key (and X25519 encryption key) per registry and start: partners find them through the JWKS, never pinned. */
export function newRegistryKey(senderId: string): RegistryKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const x = publicKey.export({ format: 'jwk' }).x!;
  // RFC 7638 thumbprint, as the DCI JWKS API describes `kid`.
  const kid = createHash('sha256').update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x })).digest('base64url');
  return { senderId, kid, privateKey, publicJwk: { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' }, encryption: newEncryptionKey() };
}

const digestOf = (content: { header: unknown; message?: unknown }) =>
  createHash('sha256').update(canonicalize(content) ?? '', 'utf8').digest('base64');
const signingString = (created: number, expires: number, digest: string) => `(created): ${created}\n(expires): ${expires}\ndigest: ${digest}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The signed body; `tamper` flips the signature bytes so it fails to verify (the bad-signature fault). */
export function signEnvelope(header: Record<string, unknown>, message: unknown, key: RegistryKey, tamper = false): Envelope {
  const content = message === undefined ? { header } : { header, message };
  const created = nowSeconds();
  const expires = created + SIGNATURE_LIFETIME_S;
  const value = sign(null, Buffer.from(signingString(created, expires, digestOf(content)), 'utf8'), key.privateKey);
  if (tamper) value[0] ^= 0xff;
  const signature =
    `Signature: namespace="dci", kidId="${key.senderId}|${key.kid}|ed25519", algorithm="ed25519", ` +
    `created="${created}", expires="${expires}", headers="${COVERED}", signature="${value.toString('base64')}"`;
  return { signature, ...content };
}

/** Public keys of a sender, looked up by key id (the gateway's JWKS, fetched by the caller). */
export type KeyLookup = (kid: string) => Promise<JsonWebKey | undefined>;

/** Verifies a received envelope signed with the default profile; false on any defect. */
export async function verifyEnvelope(body: Envelope, lookup: KeyLookup): Promise<boolean> {
  if (typeof body.signature !== 'string') return false;
  const params = new Map<string, string>();
  for (const [, name, value] of body.signature.matchAll(/(\w+)="([^"]*)"/g)) params.set(name, value);
  const kidParts = (params.get('kidId') ?? params.get('keyId') ?? '').split('|');
  if (kidParts.length < 3) return false;
  const algorithm = kidParts.pop()!;
  const kid = kidParts.pop()!;
  const created = Number(params.get('created'));
  const expires = Number(params.get('expires'));
  const value = params.get('signature');
  const now = nowSeconds();
  const acceptable =
    kidParts.join('|') === body.header.sender_id &&
    algorithm.toLowerCase() === 'ed25519' &&
    (params.get('headers') ?? COVERED) === COVERED &&
    Number.isSafeInteger(created) &&
    Number.isSafeInteger(expires) &&
    created <= expires &&
    expires - created <= MAX_VALIDITY_S &&
    created <= now + MAX_SKEW_S &&
    now <= expires &&
    value !== undefined;
  if (!acceptable) return false;
  const jwk = await lookup(kid);
  if (!jwk) return false;
  try {
    const content = body.message === undefined ? { header: body.header } : { header: body.header, message: body.message };
    const data = Buffer.from(signingString(created, expires, digestOf(content)), 'utf8');
    return verify(null, data, createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(value, 'base64'));
  } catch {
    return false;
  }
}

/**
 * The gateway's published keys, fetched on first use and again when a signature names a key id not
 * seen yet (the gateway rotated), at most once per 10 seconds so bad key ids cannot make us hammer it.
 * Requests arriving while a fetch is in flight wait for that fetch rather than looking up the stale set.
 */
export function jwksLookup(jwksUrl: string): KeyLookup {
  let keys: JsonWebKey[] = [];
  let fetchedAt = 0;
  let inFlight: Promise<void> | undefined;
  const refresh = async () => {
    try {
      const res = await fetch(jwksUrl);
      if (res.ok) keys = ((await res.json()) as { keys?: JsonWebKey[] }).keys ?? [];
    } catch {
      keys = [];
    }
  };
  return async (kid) => {
    const find = () => keys.find((k) => (k as { kid?: string }).kid === kid);
    if (!find() && !inFlight && Date.now() - fetchedAt > 10_000) {
      fetchedAt = Date.now();
      inFlight = refresh().finally(() => (inFlight = undefined));
    }
    if (inFlight) await inFlight;
    return find();
  };
}
