/**
 * Message signatures behind one interface, one profile per partner (README "Message signature"):
 * - `default`: the spec's parameter string in the body `signature`, Ed25519 over a JCS digest;
 * - `openspp`: the same string over OpenSPP's Python `json.dumps(sort_keys=True)` digest;
 * - `openg2p-jws`: a detached compact RS256 JWS of the whole body, keys sorted, in the HTTP `Signature` header;
 * - `opencrvs-jws`: an attached compact JWS of `{header, message}` in the body `signature`;
 * - `none`: unsigned, only for partners explicitly configured so.
 * Partner keys always come from the caller's resolver, looked up by the message's sender_id.
 */
import type { JsonWebKey } from 'node:crypto';
import type { KeyAlgorithm, OurSigningKey } from './keys';
import { defaultProfile } from './profiles/default';
import { opensppProfile } from './profiles/openspp';
import { openg2pJwsProfile } from './profiles/openg2pJws';
import { opencrvsJwsProfile } from './profiles/opencrvsJws';
import { noneProfile } from './profiles/none';

export interface PartnerKey {
  kid: string;
  jwk: JsonWebKey;
}

/**
 * The public keys registered for `senderId` (pinned or from its configured JWKS URL, never from a URL
 * in the message); with `keyId`, only that key. An unknown sender or key gives an empty list.
 */
export type PartnerKeyResolver = (senderId: string, keyId: string | undefined) => Promise<PartnerKey[]>;

/** A header is any JSON object (typed MsgHeader / MsgCallbackHeader included); sender_id is required to sign. */
export interface SignableMessage {
  header: { sender_id?: string };
  message?: unknown;
}

/** What to send: `rawBody` exactly (some profiles normalise the header or sign the serialised bytes) plus `headers`. */
export interface SignedMessage {
  body: Record<string, unknown>;
  rawBody: string;
  headers: Record<string, string>;
}

export interface ReceivedMessage {
  body: unknown;
  rawBody: Buffer | string;
  /** HTTP request headers, as Node gives them (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
}

export type SignatureFailure = 'err.signature.missing' | 'err.signature.invalid';
/** `kid` is the partner key that verified, or null for the `none` profile. */
export type VerifyResult = { ok: true; kid: string | null } | { ok: false; reason: SignatureFailure };

export type SigningProfileName = 'default' | 'openspp' | 'openg2p-jws' | 'opencrvs-jws' | 'none';

export interface SigningProfile {
  readonly name: SigningProfileName;
  /** Which of our keys `sign` takes: the partner's code may accept only this algorithm. */
  readonly keyAlgorithm: KeyAlgorithm;
  sign(msg: SignableMessage, key: OurSigningKey): Promise<SignedMessage>;
  verify(received: ReceivedMessage, keys: PartnerKeyResolver): Promise<VerifyResult>;
}

export interface SigningOptions {
  /** Validity we give our signatures (`expires - created`), default 300 s as OpenSPP does. */
  lifetimeSeconds?: number;
  /** Tolerated clock skew for a partner's `created`, default 60 s. */
  maxSkewSeconds?: number;
  /** Longest `expires - created` accepted from a partner, default 3600 s. */
  maxValiditySeconds?: number;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
}

export function signingProfile(name: SigningProfileName, opts: SigningOptions = {}): SigningProfile {
  switch (name) {
    case 'default':
      return defaultProfile(opts);
    case 'openspp':
      return opensppProfile(opts);
    case 'openg2p-jws':
      return openg2pJwsProfile();
    case 'opencrvs-jws':
      return opencrvsJwsProfile();
    case 'none':
      return noneProfile();
  }
}
