/**
 * The purpose a partner gives for a search or a subscription (the spec's `consent.purpose.code`, the
 * data subject's consent, and `authorize.purpose.code`, the partner's authority; SPEC-NOTES 5.5),
 * judged against the purposes the partner is registered for. Pure: the partner registry stores the
 * policy, the query translation applies it, the disclosure audit records the purpose.
 *
 * - A partner registered with no purpose codes and no requirement has no policy: a purpose it gives
 *   is recorded, not checked (partners onboarded before purposes are answered as before).
 * - Otherwise every code given must be one of the partner's, and when `required` at least one must
 *   be given. A request that fails either gets no personal data (`no_personal_data`: the partner's
 *   profile with every given field masked) or is rejected (`reject`), as the partner's policy says.
 */
import { Disclosure, nestedDisclosure } from './disclosure';

export const PURPOSE_REFUSALS = ['no_personal_data', 'reject'] as const;
export type PurposeRefusal = (typeof PURPOSE_REFUSALS)[number];

export interface PurposePolicy {
  /** The `purpose.code` values the partner may ask with. */
  codes: readonly string[];
  /** Personal data only for a request naming one of the codes. */
  required: boolean;
  /** What a request whose purpose is missing (when required) or not one of the codes gets. */
  refusal: PurposeRefusal;
}

/** A partner without a policy: purposes recorded, never checked. */
export const NO_PURPOSE_POLICY: PurposePolicy = { codes: [], required: false, refusal: 'no_personal_data' };

/** The purpose codes one search item or subscription gives, by where it gives them. */
export interface Purpose {
  consent?: string;
  authorize?: string;
}

export type PurposeVerdict = { ok: true } | { ok: false; message: string };

/** Thrown for a purpose that is there but unreadable: the item is rejected whatever the policy. */
export class PurposeUnreadable extends Error {}

/** `consent.purpose.code` or `authorize.purpose.code`: absent, or a non-empty string of at most 100 characters. */
function codeIn(container: unknown, where: 'consent' | 'authorize'): string | undefined {
  if (container === undefined || container === null) return undefined;
  const purpose = (container as { purpose?: unknown }).purpose;
  if (purpose === undefined || purpose === null) return undefined;
  const code = (purpose as { code?: unknown }).code;
  if (code === undefined || code === null) return undefined;
  if (typeof code !== 'string' || code.trim() === '' || code.length > 100) throw new PurposeUnreadable(`${where}.purpose.code must be a non-empty string of at most 100 characters`);
  return code.trim();
}

export function purposeOf(criteria: { consent?: unknown; authorize?: unknown }): Purpose {
  const consent = codeIn(criteria.consent, 'consent');
  const authorize = codeIn(criteria.authorize, 'authorize');
  return { ...(consent !== undefined && { consent }), ...(authorize !== undefined && { authorize }) };
}

/** The partner's profile without personal data: every given field at most masked, so the search runs without registry:pii. */
export const withoutPersonalData = (disclosure: Disclosure): Disclosure => nestedDisclosure(disclosure, 'masked');

/** Whether the purpose lets the partner have its profile; on refusal the caller applies the policy's `refusal`. */
export function judgePurpose(policy: PurposePolicy, purpose: Purpose): PurposeVerdict {
  const given = [purpose.consent, purpose.authorize].filter((c): c is string => c !== undefined);
  if (policy.codes.length > 0) {
    const foreign = given.find((code) => !policy.codes.includes(code));
    if (foreign !== undefined) return { ok: false, message: `purpose ${foreign} is not one this partner is registered for` };
  }
  if (policy.required && given.length === 0) return { ok: false, message: 'personal data needs a purpose: consent.purpose.code or authorize.purpose.code' };
  return { ok: true };
}
