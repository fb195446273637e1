/** Input rules for data sources. Each failure names the field it is about. */
import { badInput } from '../errors';
import { outboundAuth, publicEncryptionJwk, publicJwks, rateLimit, secureUrl, senderId } from '../partners/input';
import { oneOf, text } from '../registry/input';
import { REGISTRY_KINDS } from '../../adapters/dci/client/dataSource';
import { ENCRYPTION_POLICIES } from '../../adapters/dci/protocol/encryption';
import { DataSourceQuirksDoc } from '../store/models/dataSource';
import { SIGNING_PROFILES } from '../store/models/partner';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;
export const DEFAULT_MAX_ITEMS_PER_ENVELOPE = 50;
export const DEFAULT_BREAKER_COOL_DOWN_SECONDS = 30;
const MAX_TIMEOUT_MS = 120_000;
const MAX_ITEMS_PER_ENVELOPE = 1000;
const MAX_BREAKER_COOL_DOWN_SECONDS = 3600;

export interface QuirksInput {
  consent?: { purposeText: string; purposeCode: string; purposeRefUri?: string | null } | null;
  locale?: string | null;
  lowerCaseEventTypes?: boolean | null;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_NAME = 64;
/** Whether `value` could name a data source. */
export const isDataSourceName = (value: string) => value.length <= MAX_NAME && NAME.test(value);

export const dataSourceName = (field: string, value: string) => {
  const t = text(field, value, { required: true, max: MAX_NAME })!;
  if (!NAME.test(t)) throw badInput(field, 'may only hold letters, digits and . _ - (starting with a letter or digit)');
  return t;
};

export const registryKind = (field: string, value: string) => oneOf(field, value, REGISTRY_KINDS);
export const signingProfileName = (field: string, value: string) => oneOf(field, value, SIGNING_PROFILES);
export const encryptionPolicy = (field: string, value: string) => oneOf(field, value, ENCRYPTION_POLICIES);
export { outboundAuth, publicEncryptionJwk, publicJwks, rateLimit, secureUrl, senderId };

export function boundedInteger(field: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw badInput(field, `must be a whole number between ${min} and ${max}`);
  return value;
}

export const timeoutMs = (field: string, value: number) => boundedInteger(field, value, 100, MAX_TIMEOUT_MS);
export const maxItemsPerEnvelope = (field: string, value: number) => boundedInteger(field, value, 1, MAX_ITEMS_PER_ENVELOPE);
export const breakerCoolDownSeconds = (field: string, value: number) => boundedInteger(field, value, 1, MAX_BREAKER_COOL_DOWN_SECONDS);

export function quirks(field: string, value: QuirksInput | null | undefined): DataSourceQuirksDoc {
  const out: DataSourceQuirksDoc = { lowerCaseEventTypes: value?.lowerCaseEventTypes ?? false };
  if (value?.locale != null) {
    // LanguageCode in the spec: ISO 639-3, three lower-case letters.
    if (!/^[a-z]{3}$/.test(value.locale)) throw badInput(`${field}.locale`, 'must be an ISO 639-3 code such as eng');
    out.locale = value.locale;
  }
  if (value?.consent != null) {
    out.consent = {
      purposeText: text(`${field}.consent.purposeText`, value.consent.purposeText, { required: true })!,
      purposeCode: text(`${field}.consent.purposeCode`, value.consent.purposeCode, { required: true, max: 64 })!,
      ...(value.consent.purposeRefUri != null && { purposeRefUri: secureUrl(`${field}.consent.purposeRefUri`, value.consent.purposeRefUri, { allowQuery: true }) }),
    };
  }
  return out;
}
