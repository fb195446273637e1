/**
 * What the DCI adapters need to know about a partner, behind an interface so the adapter never
 * touches the database: src/partners implements it.
 */
import type { Scope } from '../../../src/auth/scopes';
import type { EncryptionSettings, PartnerKeyResolver, SigningProfileName } from '../protocol';
import type { Disclosure } from './disclosure';
import type { PurposePolicy } from './purpose';

export interface InboundPartner {
  senderId: string;
  signingProfile: SigningProfileName;
  /** Callbacks and notifications may only go to URLs under this base. */
  callbackBase: string;
  /** What our callbacks and notifications present there. */
  callbackCredentials: CallbackCredentials;
  /** DCI attribute names this partner may search on. */
  queryAttributes: readonly string[];
  /** Which personal fields of a record it receives: given, masked or omitted. */
  disclosure: Disclosure;
  /** The purposes it may give for personal data, and what a request without one gets. */
  purposes: PurposePolicy;
  scopes: readonly Scope[];
  rateLimitPerMinute: number;
  /** Its registered public keys (pinned, or from its configured JWKS URL), from the same read as the rest. */
  keys: PartnerKeyResolver;
  /** Whether its messages come encrypted, and the key what we send it is encrypted to (`required` always has one). */
  encryption: EncryptionSettings;
}

/** A partner's place in its request budget. */
export interface Admission {
  allowed: boolean;
  /** Whole seconds until the budget has room again (for Retry-After); 0 when allowed. */
  retryAfterSeconds: number;
}

/**
 * The bearer token our callbacks and notifications carry to one partner (receivers such as OpenSPP,
 * OpenG2P and OpenCRVS require one). Methods only, so logging a partner never shows a token.
 */
export interface CallbackCredentials {
  /** Undefined when the partner asks for no Authorization header. */
  token(): Promise<string | undefined>;
  /** The partner answered 401 to `token`: forgets it; true when the next `token()` is a fresh one worth sending. */
  refused(token: string): boolean;
}

export interface PartnerDirectory {
  /** The active partner registered under this sender id, if any. */
  active(senderId: string): Promise<InboundPartner | undefined>;
  /** Takes one request from the partner's rate budget, shared by every gateway on the database. */
  admit(partner: InboundPartner): Promise<Admission>;
}

/** True when `url` is the callback base itself or lies under it (same origin, path prefix at a segment boundary). */
export function underCallbackBase(url: string, base: string): boolean {
  let target: URL;
  let root: URL;
  try {
    target = new URL(url);
    root = new URL(base);
  } catch {
    return false;
  }
  if (target.origin !== root.origin || target.username || target.password) return false;
  const prefix = root.pathname.endsWith('/') ? root.pathname : `${root.pathname}/`;
  return target.pathname === root.pathname || target.pathname.startsWith(prefix);
}
