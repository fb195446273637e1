/**
 * What the outbound client needs to know about one partner registry (a "data source"), secrets in
 * clear. src/dataSources stores and decrypts it; the client never sees the database.
 */
import type { EncryptionSettings, PartnerKey, SigningProfileName } from '../protocol';

/** The official API file the partner implements, as named by `validatorFor`. */
export const REGISTRY_KINDS = ['crvs', 'ibr', 'dr', 'social'] as const;
export type RegistryKind = (typeof REGISTRY_KINDS)[number];

export const CREDENTIAL_LOCATIONS = ['body', 'basic'] as const;
export type CredentialLocation = (typeof CREDENTIAL_LOCATIONS)[number];

export interface OAuth2Credentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  /** Form body (the DCI authz API) or HTTP Basic (RFC 6749 2.3.1). */
  credentialLocation: CredentialLocation;
}

export type ClientAuth = { type: 'none' } | { type: 'bearer'; token: string } | ({ type: 'oauth2' } & OAuth2Credentials);

/** Per-partner departures from the spec, applied to every search item we send. */
export interface Quirks {
  /** A consent block added to items that carry none (OpenCRVS refuses searches without one). */
  consent?: { purposeText: string; purposeCode: string; purposeRefUri?: string };
  /** ISO 639-3 locale added to items that carry none. */
  locale?: string;
  /** OpenCRVS expects `birth` / `death`, not `LiveBirth` / `Death`. */
  lowerCaseEventTypes?: boolean;
}

export interface DataSourceConfig {
  name: string;
  kind: RegistryKind;
  /** The partner's DCI base; the spec's paths (`/registry/sync/search`…) are appended. */
  baseUrl: string;
  auth: ClientAuth;
  /** Our `header.sender_id` at this partner. */
  senderId: string;
  /** Our receiver endpoints as the partner reaches them, e.g. `https://gateway.example/dci`. */
  callbackBase: string;
  /** The partner's `sender_id`: its responses must be signed under it. */
  receiverId: string;
  /** Pinned keys; when present the JWKS URL is not fetched. */
  publicKeys: PartnerKey[];
  jwksUrl?: string;
  /** How we sign and how the partner's responses are verified; `none` only when set explicitly. */
  signingProfile: SigningProfileName;
  /** Whether its replies come encrypted, and the key our requests are encrypted to; absent: never. */
  encryption?: EncryptionSettings;
  /** Per HTTP attempt. */
  timeoutMs: number;
  rateLimitPerMinute: number;
  maxItemsPerEnvelope: number;
  /** How long the circuit breaker leaves the partner alone once open (see CircuitBreaker). */
  breakerCoolDownMs: number;
  quirks: Quirks;
}
