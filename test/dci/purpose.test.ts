/** The purpose rules on their own (purpose.ts) and as the query translation applies them. */
import type { SearchCriteria } from '../../adapters/dci/protocol';
import { FULL_DISCLOSURE } from '../../adapters/dci/server/disclosure';
import { judgePurpose, NO_PURPOSE_POLICY, PurposePolicy, purposeOf } from '../../adapters/dci/server/purpose';
import { translateSearch } from '../../adapters/dci/server/query';

const withPurpose = (consent?: string, authorize?: string) => ({
  ...(consent !== undefined && { consent: { '@type': 'Consent', purpose: { code: consent } } }),
  ...(authorize !== undefined && { authorize: { '@type': 'Authorize', purpose: { code: authorize } } }),
});
const POLICY: PurposePolicy = { codes: ['CG-ELIG', 'DSA-7'], required: true, refusal: 'no_personal_data' };

describe('purposes', () => {
  it('reads the codes of consent and authorize, and refuses one that is not a string', () => {
    expect(purposeOf(withPurpose('CG-ELIG', ' DSA-7 '))).toEqual({ consent: 'CG-ELIG', authorize: 'DSA-7' });
    expect(purposeOf({ consent: { '@type': 'Consent' } })).toEqual({});
    expect(() => purposeOf({ authorize: { purpose: { code: 7 } } })).toThrow('authorize.purpose.code');
    expect(() => purposeOf({ consent: { purpose: { code: '  ' } } })).toThrow('consent.purpose.code');
  });

  it('allows listed codes, refuses an unlisted one or none when one is required', () => {
    expect(judgePurpose(POLICY, { consent: 'CG-ELIG' })).toEqual({ ok: true });
    expect(judgePurpose(POLICY, { consent: 'CG-ELIG', authorize: 'DSA-7' })).toEqual({ ok: true });
    expect(judgePurpose(POLICY, { consent: 'CG-ELIG', authorize: 'OTHER' })).toEqual({ ok: false, message: expect.stringContaining('OTHER') });
    expect(judgePurpose(POLICY, {})).toEqual({ ok: false, message: expect.stringContaining('needs a purpose') });
    expect(judgePurpose({ ...POLICY, required: false }, {})).toEqual({ ok: true });
    expect(judgePurpose({ ...POLICY, required: false }, { authorize: 'OTHER' }).ok).toBe(false);
    // No policy: recorded, not checked.
    expect(judgePurpose(NO_PURPOSE_POLICY, { consent: 'ANYTHING' })).toEqual({ ok: true });
  });

  const translate = (criteria: Record<string, unknown>, purposes: PurposePolicy) =>
    translateSearch({ query_type: 'idtype-value', query: { type: 'UIN', value: '1' }, ...criteria } as SearchCriteria, {
      allowedAttributes: new Set(['UIN', 'given_name']),
      disclosure: FULL_DISCLOSURE,
      purposes,
      maxPageSize: 100,
      now: new Date(),
    });

  it('gives the profile for an allowed purpose and none without one, or rejects by policy', () => {
    expect(translate(withPurpose('CG-ELIG'), POLICY)).toMatchObject({ ok: true, purposeRefused: false, disclosure: FULL_DISCLOSURE, purpose: { consent: 'CG-ELIG' } });
    const withheld = translate({}, POLICY);
    expect(withheld).toMatchObject({ ok: true, purposeRefused: true, purpose: {} });
    if (!withheld.ok) throw new Error('refused');
    expect(Object.values(withheld.disclosure).filter((level) => level === 'given')).toEqual([]);
    expect(translate({}, { ...POLICY, refusal: 'reject' })).toMatchObject({ ok: false, reason: 'rjct.search_criteria.invalid' });
    expect(translate(withPurpose(undefined, 'OTHER'), { ...POLICY, refusal: 'reject' })).toMatchObject({ ok: false, reason: 'rjct.search_criteria.invalid', message: expect.stringContaining('OTHER') });
    expect(translate({ consent: { purpose: { code: 1 } } }, NO_PURPOSE_POLICY)).toMatchObject({ ok: false, reason: 'rjct.search_criteria.invalid' });
  });

  it('refuses a search on names when the purpose withholds personal data', () => {
    const byName = { query_type: 'predicate', query: [{ seq_num: 1, expression1: { attribute_name: 'given_name', operator: 'eq', attribute_value: 'Halima' } }] };
    expect(translate({ ...byName, ...withPurpose('DSA-7') }, POLICY)).toMatchObject({ ok: true });
    expect(translate(byName, POLICY)).toMatchObject({ ok: false, reason: 'rjct.filter.invalid' });
  });
});
