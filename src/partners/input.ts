/** Input rules for partner records. Each failure names the field it is about. */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { badInput } from '../errors';
import { code, oneOf, text } from '../registry/input';
import { AUTH_TYPES, type AuthType } from '../store/models/outboundAuth';
import { PARTNER_SCOPES, PartnerJwk, PartnerScope } from '../store/models/partner';
import { ClientAuth, CREDENTIAL_LOCATIONS } from '../../adapters/dci/client/dataSource';
import { keyManagementFor } from '../../adapters/dci/protocol/encryption';
import { senderIdProblem } from '../../adapters/dci/protocol/envelope';
import { DISCLOSED_FIELDS, DISCLOSURE_LEVELS, Disclosure } from '../../adapters/dci/server/disclosure';
import { PURPOSE_REFUSALS, PurposePolicy } from '../../adapters/dci/server/purpose';

const MAX_URL = 2048;
const MAX_KEYS = 10;
const MAX_QUERY_ATTRIBUTES = 64;
export const MAX_RATE_LIMIT_PER_MINUTE = 1_000_000;

/** The rule the gateway's own DCI_SENDER_ID follows: a code or a URL, never with `|` (it separates the parts of a kidId). */
export function senderId(field: string, value: string | null | undefined): string {
  const t = text(field, value, { required: true, max: 256 })!;
  const problem = senderIdProblem(t);
  if (problem) throw badInput(field, problem);
  return t;
}

const isLoopback = (hostname: string) =>
  hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);

/**
 * An https URL, or plain http to a loopback host only (local development and tests): keys and
 * callbacks must not travel where they can be read or replaced on the way. No credentials, no fragment.
 */
export function secureUrl(field: string, value: string | null | undefined, opts: { allowQuery: boolean }): string {
  const t = text(field, value, { required: true, max: MAX_URL })!;
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    throw badInput(field, 'is not a valid URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw badInput(field, 'must be an https URL (http is accepted for loopback hosts only)');
  }
  if (url.username || url.password) throw badInput(field, 'must not hold credentials');
  if (url.hash) throw badInput(field, 'must not hold a fragment');
  if (url.search && !opts.allowQuery) throw badInput(field, 'must not hold a query string');
  return url.href;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];
const JWK_STRING_MEMBERS = ['kid', 'kty', 'crv', 'x', 'y', 'n', 'e', 'alg', 'use'] as const;

/** A public signing JWK with a kid, reduced to its public members (a JWK may carry arbitrary extra members). */
export function publicJwk(field: string, value: unknown): PartnerJwk {
  const { jwk } = publicKey(field, value);
  if (jwk.use !== undefined && jwk.use !== 'sig') throw badInput(`${field}.use`, 'must be sig: the key verifies signatures');
  return jwk;
}

/**
 * A public encryption JWK with a kid and `use: enc`: X25519 or P-256 (ECDH-ES+A256KW) or RSA of 2048
 * bits at least (RSA-OAEP-256); an `alg`, when given, must be the one its type is used with.
 */
export function publicEncryptionJwk(field: string, value: unknown): PartnerJwk {
  const { jwk, key } = publicKey(field, value);
  if (jwk.use !== 'enc') throw badInput(`${field}.use`, 'must be enc: the key is what messages to the partner are encrypted to');
  const alg = keyManagementFor(jwk);
  if (!alg) throw badInput(field, 'must be an X25519, P-256 or RSA key');
  if (jwk.alg !== undefined && jwk.alg !== alg) throw badInput(`${field}.alg`, `must be ${alg} for this key`);
  if ((key.asymmetricKeyDetails?.modulusLength ?? 2048) < 2048) throw badInput(field, 'must be an RSA key of 2048 bits at least');
  return jwk;
}

function publicKey(field: string, value: unknown): { jwk: PartnerJwk; key: KeyObject } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badInput(field, 'must be a JWK object');
  const jwk = value as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((m) => jwk[m] !== undefined && jwk[m] !== null)) throw badInput(field, 'must be a public key (it holds private key material)');
  const out: Partial<PartnerJwk> = {};
  for (const member of JWK_STRING_MEMBERS) {
    const v = jwk[member];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw badInput(`${field}.${member}`, 'must be a string');
    out[member] = v;
  }
  out.kid = text(`${field}.kid`, out.kid, { required: true, max: 128 });
  oneOf(`${field}.kty`, out.kty ?? '', ['OKP', 'EC', 'RSA']);
  try {
    return { jwk: out as PartnerJwk, key: createPublicKey({ key: out, format: 'jwk' }) };
  } catch {
    throw badInput(field, 'is not a valid public key');
  }
}

export function publicJwks(field: string, values: unknown[]): PartnerJwk[] {
  if (values.length > MAX_KEYS) throw badInput(field, `must hold at most ${MAX_KEYS} keys`);
  const keys = values.map((v, i) => publicJwk(`${field}[${i}]`, v));
  const kids = keys.map((k) => k.kid);
  const repeated = kids.findIndex((kid, i) => kids.indexOf(kid) !== i);
  if (repeated >= 0) throw badInput(`${field}[${repeated}].kid`, 'is used by another key of this partner');
  return keys;
}

export function partnerScopes(field: string, values: string[]): PartnerScope[] {
  const scopes = [...new Set(values.map((v, i) => oneOf(`${field}[${i}]`, v, PARTNER_SCOPES)))];
  if (scopes.length === 0) throw badInput(field, 'must hold at least one scope');
  return scopes;
}

/** DCI attribute names as the spec writes them: `UIN`, `birth_date`, `poverty_score`. */
export function queryAttributes(field: string, values: string[]): string[] {
  if (values.length > MAX_QUERY_ATTRIBUTES) throw badInput(field, `must hold at most ${MAX_QUERY_ATTRIBUTES} attributes`);
  values.forEach((v, i) => {
    if (typeof v !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(v)) throw badInput(`${field}[${i}]`, 'is not an attribute name');
  });
  return [...new Set(values)];
}

/** A disclosure profile as an administrator writes it: any field left out keeps the base's level. */
export interface DisclosureInput {
  names?: string | null;
  birthDate?: string | null;
  sex?: string | null;
  address?: string | null;
  phone?: string | null;
  email?: string | null;
  /** Identifiers of a type not in `identifierTypes`. */
  identifiers?: string | null;
  /** Replaces the listed types. */
  identifierTypes?: { type: string; level: string }[] | null;
  groupMembers?: string | null;
  groupHead?: string | null;
}

const MAX_IDENTIFIER_TYPES = 64;

/** `input` over `base`: each level one of given, masked, omitted; each identifier type named once. */
export function disclosure(field: string, input: DisclosureInput | null | undefined, base: Disclosure): Disclosure {
  const out: Disclosure = { ...base, identifierTypes: [...base.identifierTypes] };
  for (const name of [...DISCLOSED_FIELDS, 'identifiers'] as const) {
    const value = input?.[name];
    if (value !== undefined && value !== null) out[name] = oneOf(`${field}.${name}`, value, DISCLOSURE_LEVELS);
  }
  if (input?.identifierTypes) {
    if (input.identifierTypes.length > MAX_IDENTIFIER_TYPES) throw badInput(`${field}.identifierTypes`, `must hold at most ${MAX_IDENTIFIER_TYPES} types`);
    out.identifierTypes = input.identifierTypes.map((t, i) => ({
      type: code(`${field}.identifierTypes[${i}].type`, t.type),
      level: oneOf(`${field}.identifierTypes[${i}].level`, t.level, DISCLOSURE_LEVELS),
    }));
    const types = out.identifierTypes.map((t) => t.type);
    const repeated = types.findIndex((type, i) => types.indexOf(type) !== i);
    if (repeated >= 0) throw badInput(`${field}.identifierTypes[${repeated}].type`, 'names a type listed before');
  }
  return out;
}

/** A partner's purposes as an administrator writes them: any member left out keeps the base's value; `codes` replaces the list. */
export interface PurposesInput {
  codes?: string[] | null;
  required?: boolean | null;
  refusal?: string | null;
}

const MAX_PURPOSE_CODES = 100;

/** `input` over `base`: codes as the spec's purpose codes (up to 100 characters, each once); required needs a code. */
export function purposes(field: string, input: PurposesInput | null | undefined, base: PurposePolicy): PurposePolicy {
  const out: PurposePolicy = { ...base, codes: [...base.codes] };
  if (input?.codes) {
    if (input.codes.length > MAX_PURPOSE_CODES) throw badInput(`${field}.codes`, `must hold at most ${MAX_PURPOSE_CODES} codes`);
    out.codes = input.codes.map((c, i) => text(`${field}.codes[${i}]`, c, { required: true, max: 100 })!);
    const repeated = out.codes.findIndex((c, i) => out.codes.indexOf(c) !== i);
    if (repeated >= 0) throw badInput(`${field}.codes[${repeated}]`, 'names a code listed before');
  }
  if (input?.required !== undefined && input.required !== null) out.required = input.required;
  if (input?.refusal !== undefined && input.refusal !== null) out.refusal = oneOf(`${field}.refusal`, input.refusal, PURPOSE_REFUSALS);
  if (out.required && out.codes.length === 0) throw badInput(`${field}.codes`, 'must hold at least one code when a purpose is required');
  return out;
}

export function rateLimit(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_RATE_LIMIT_PER_MINUTE) {
    throw badInput(field, `must be a whole number between 1 and ${MAX_RATE_LIMIT_PER_MINUTE}`);
  }
  return value;
}

/** Credentials we present to a partner system: a data source's `auth`, a partner's `callbackAuth`. */
export interface OutboundAuthInput {
  type: string;
  token?: string | null;
  tokenUrl?: string | null;
  clientId?: string | null;
  clientSecret?: string | null;
  scope?: string | null;
  credentialLocation?: string | null;
}

/** The fields each type of credential takes besides its type. */
export const AUTH_FIELDS: Record<AuthType, readonly string[]> = {
  none: [],
  bearer: ['token'],
  oauth2: ['tokenUrl', 'clientId', 'clientSecret', 'scope', 'credentialLocation'],
};

/** The credentials in clear, checked; sealing them is the caller's job. A field of another type is refused, not dropped. */
export function outboundAuth(field: string, value: OutboundAuthInput | null | undefined): ClientAuth {
  const type = oneOf(`${field}.type`, value?.type ?? 'none', AUTH_TYPES);
  const foreign = Object.entries(value ?? {}).find(([name, given]) => name !== 'type' && given != null && !AUTH_FIELDS[type].includes(name));
  if (foreign) throw badInput(`${field}.${foreign[0]}`, `is not a field of type ${type}`);
  if (type === 'none') return { type };
  if (type === 'bearer') return { type, token: text(`${field}.token`, value?.token, { required: true, max: 4096 })! };
  return {
    type,
    tokenUrl: secureUrl(`${field}.tokenUrl`, value?.tokenUrl, { allowQuery: true }),
    clientId: text(`${field}.clientId`, value?.clientId, { required: true, max: 256 })!,
    clientSecret: text(`${field}.clientSecret`, value?.clientSecret, { required: true, max: 4096 })!,
    ...(value?.scope && { scope: text(`${field}.scope`, value.scope, { max: 1024 }) }),
    credentialLocation: oneOf(`${field}.credentialLocation`, value?.credentialLocation ?? 'body', CREDENTIAL_LOCATIONS),
  };
}
