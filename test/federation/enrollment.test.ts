/** The IBR enrolment check over HTTP: real gateway, sandbox IBR, batched sync/enrolled and sync/search. */
import { demoUin } from '../../src/registry/seed';
import { enrollmentOfSearch } from '../../src/federation/enrollment';
import { codes, ok, onlyError, READ, WRITE } from '../support/gateway';
import { FederationWorld, startFederationWorld } from './world';

const INDIVIDUALS = 60;
const CHECK = `query ($id: ID!, $refresh: Boolean) {
  enrollmentCheck(individualId: $id, refresh: $refresh) { result programmes { name identifier status enrolledOn } checkedAt dataSource } }`;
const CHECKS = `query ($ids: [ID!]!, $refresh: Boolean) { enrollmentChecks(individualIds: $ids, refresh: $refresh) { result programmes { name } } }`;
const ENROLLED = '/registry/sync/enrolled';
const SEARCH = '/registry/sync/search';

describe('IBR enrolment check', () => {
  let w: FederationWorld;
  let enrolledUin: string;
  let outsiderUin: string;

  beforeAll(async () => {
    w = await startFederationWorld({ individuals: INDIVIDUALS });
    await w.addDataSource('ibr');
    const enrolled = new Set(w.sandbox.data.enrolments.map((e) => e.uin));
    enrolledUin = w.sandbox.data.enrolments[0].uin;
    outsiderUin = Array.from({ length: INDIVIDUALS }, (_, i) => demoUin(1, i + 1)).find((uin) => !enrolled.has(uin))!;
  });
  afterAll(async () => {
    await w?.stop();
  });

  const programmesOf = (uin: string) => w.sandbox.data.enrolments.filter((e) => e.uin === uin);

  it('an enrolled person is a CONFIRMED_MATCH with the programmes the registry lists, stored and served again without a call', async () => {
    const id = await w.idOf(enrolledUin);
    const check = ok(await w.t.gql(CHECK, { id }, w.token)).enrollmentCheck;
    expect(check).toMatchObject({ result: 'CONFIRMED_MATCH', dataSource: 'ibr-sandbox', checkedAt: expect.any(String) });
    expect(check.programmes).toEqual(
      expect.arrayContaining(programmesOf(enrolledUin).map((e) => ({ name: e.programmeName, identifier: e.programmeIdentifier, status: e.enrollmentStatus, enrolledOn: e.enrollmentDate }))),
    );
    expect(check.programmes).toHaveLength(programmesOf(enrolledUin).length);
    const stored = await w.t.gateway.models.PartnerFact.findOne({ kind: 'enrollment', individual: id }).lean();
    expect(stored).toMatchObject({ question: `UIN:${enrolledUin}`, dataSource: 'ibr-sandbox' });
    const calls = w.sandbox.calls('ibr').length;
    expect(ok(await w.t.gql(CHECK, { id }, w.token)).enrollmentCheck).toEqual(check);
    expect(w.sandbox.calls('ibr').length).toBe(calls);
  });

  it('a person the registry does not know is a NO_MATCH, without a search', async () => {
    const before = w.calls('ibr', SEARCH);
    const check = ok(await w.t.gql(CHECK, { id: await w.idOf(outsiderUin) }, w.token)).enrollmentCheck;
    expect(check).toMatchObject({ result: 'NO_MATCH', programmes: [] });
    expect(w.calls('ibr', SEARCH)).toBe(before);
  });

  it('checks several people in one sync/enrolled and one sync/search envelope, in the order asked', async () => {
    const others = [...new Set(w.sandbox.data.enrolments.map((e) => e.uin))].filter((uin) => uin !== enrolledUin).slice(0, 3);
    const ids = await Promise.all(others.map((uin) => w.idOf(uin)));
    const [enrolledBefore, searchBefore] = [w.calls('ibr', ENROLLED), w.calls('ibr', SEARCH)];
    const checks = ok(await w.t.gql(CHECKS, { ids: [...ids, '0123456789abcdef01234567'] }, w.token)).enrollmentChecks;
    expect(checks.slice(0, 3).map((c: { result: string }) => c.result)).toEqual(['CONFIRMED_MATCH', 'CONFIRMED_MATCH', 'CONFIRMED_MATCH']);
    expect(checks[1].programmes.map((p: { name: string }) => p.name).sort()).toEqual(programmesOf(others[1]).map((e) => e.programmeName).sort());
    expect(checks[3]).toBeNull();
    expect(w.calls('ibr', ENROLLED) - enrolledBefore).toBe(1);
    expect(w.calls('ibr', SEARCH) - searchBefore).toBe(1);
  });

  it('falls back to search when the registry refuses sync/enrolled', async () => {
    const id = await w.idOf(enrolledUin);
    const [enrolledBefore, searchBefore] = [w.calls('ibr', ENROLLED), w.calls('ibr', SEARCH)];
    w.sandbox.faults.failNext('ibr', 1, 404);
    const check = ok(await w.t.gql(CHECK, { id, refresh: true }, w.token)).enrollmentCheck;
    expect(check.result).toBe('CONFIRMED_MATCH');
    expect(check.programmes).toHaveLength(programmesOf(enrolledUin).length);
    expect(w.calls('ibr', ENROLLED) - enrolledBefore).toBe(1);
    expect(w.calls('ibr', SEARCH) - searchBefore).toBe(1);

    w.sandbox.faults.failNext('ibr', 1, 404);
    const outsider = ok(await w.t.gql(CHECK, { id: await w.idOf(outsiderUin), refresh: true }, w.token)).enrollmentCheck;
    expect(outsider.result).toBe('NO_MATCH');
  });

  it('searches a person without identifiers by name and birth date; a match there is only possible', async () => {
    const writer = await w.t.token(WRITE);
    const input = { name: { given: 'Neema', family: 'Banda' }, sex: 'female', birthDate: '1990-04-02' };
    const person = ok(await w.t.gql(`mutation ($input: CreateIndividualInput!) { createIndividual(input: $input) { id } }`, { input }, writer)).createIndividual;
    const [enrolledBefore, searchBefore] = [w.calls('ibr', ENROLLED), w.calls('ibr', SEARCH)];
    // Searched together with an enrolled person, whose programmes the same envelope lists. The sandbox
    // IBR matches by UIN only: it rejects the item by name (rjct.search_criteria.invalid), so the
    // person cannot be asked about there, as DR and CRVS answer a person without their identifier.
    const res = await w.t.gql(CHECKS, { ids: [person.id, await w.idOf(enrolledUin)], refresh: true }, w.token);
    expect(res.body.data!.enrollmentChecks).toEqual([null, expect.objectContaining({ result: 'CONFIRMED_MATCH' })]);
    expect(onlyError(res)).toMatchObject({ path: ['enrollmentChecks', 0], extensions: { code: 'UNAVAILABLE', reason: 'NO_IDENTIFIER' } });
    expect(w.calls('ibr', ENROLLED) - enrolledBefore).toBe(1);
    expect(w.calls('ibr', SEARCH) - searchBefore).toBe(1);
    // Alone, every item of the envelope is rejected and the sandbox marks the whole reply rjct: the
    // item's own reason still answers for the person.
    const alone = await w.t.gql(CHECKS, { ids: [person.id], refresh: true }, w.token);
    expect(onlyError(alone)).toMatchObject({ path: ['enrollmentChecks', 0], extensions: { code: 'UNAVAILABLE', reason: 'NO_IDENTIFIER' } });
    // So an indicator of the IBR is unknown for the person, not failed: a programme's count goes on.
    const INDICATORS = `query ($id: ID!) { individual(id: $id) { indicators(names: ["ibr.enrolled_elsewhere"]) { value outcome } } }`;
    expect(ok(await w.t.gql(INDICATORS, { id: person.id }, w.token)).individual.indicators).toEqual([{ value: null, outcome: 'not_found' }]);
    // What a registry that does match by name answers.
    const found = { data: { reg_records: [{ programme_identifier: [{ programme_name: 'Child Grant', programme_identifier: 'CG-2025' }], enrollment_status: '1' }] } };
    expect(enrollmentOfSearch(found, true)).toEqual({ result: 'POSSIBLE_MATCH', programmes: [{ name: 'Child Grant', identifier: 'CG-2025', status: 'Active' }] });
    expect(enrollmentOfSearch({ data: { reg_records: [] } }, true)).toEqual({ result: 'NO_MATCH', programmes: [] });
  });

  it('needs registry:pii: programme membership is personal data', async () => {
    const id = await w.idOf(enrolledUin);
    expect(codes(await w.t.gql(CHECK, { id }, await w.t.token(READ)))).toEqual(['FORBIDDEN']);
  });
});
