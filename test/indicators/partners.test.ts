/**
 * Partner-backed indicators against the sandbox's CRVS, DR and IBR: values on their known records,
 * one partner answer serving every indicator derived from it, the fetch audit (of every partner ask), the failure
 * policies, a death notified over HTTP, and a stale value served while it is recomputed.
 */
import { demoUin } from '../../adapters/dci/sandbox/data';
import { GatewayError } from '../../src/errors';
import { ensureIndicatorValues } from '../../src/indicators/values';
import { createLogger } from '../../src/log';
import { waitFor } from '../crvs/world';
import { ok } from '../support/gateway';
import { indicatorsOf, IndicatorWorld, READ, SEED, startIndicatorWorld, VALUE_FIELDS } from './world';

const PEOPLE = 200;
const KIND_OF_TYPE: Record<string, string> = { Seeing: 'vision', Hearing: 'hearing', 'Physical and movement related functions': 'mobility', Cognition: 'cognition' };
const LEVEL = ['Mild', 'Moderate', 'Severe', 'Complete'];
const DR_PATHS = ['/registry/sync/disabled', '/registry/sync/get-disability-details'];

describe('partner-backed indicators', () => {
  let w: IndicatorWorld;
  beforeAll(async () => {
    w = await startIndicatorWorld({ individuals: PEOPLE });
  }, 120_000);
  afterAll(async () => {
    await w?.stop();
  });

  const FETCHES = `query ($id: ID!) { individual(id: $id) { indicatorFetches { source dataSource outcome elapsedMs error refreshId at } } }`;
  const fetchesOf = async (id: string): Promise<any[]> => ok(await w.gql(FETCHES, { id })).individual.indicatorFetches;
  const drCalls = () => DR_PATHS.reduce((n, p) => n + w.calls('dr', p), 0);
  const uins = (n: number) => Array.from({ length: n }, (_, i) => demoUin(SEED, i + 1));
  const withoutRecords = (records: { uin: string }[]) => uins(PEOPLE).find((uin) => !records.some((r) => r.uin === uin))!;

  it('reads DR values off one answer per person: every DR indicator of 100 people from 2 envelopes of each DR operation', async () => {
    const before = drCalls();
    // One operation over all of them: one batch, hence one lookup of the DR for all.
    const page = ok(await w.gql(`{ individuals(first: 100) { edges { node { id indicators(names: ["dr.has_disability", "dr.severity"]) { ${VALUE_FIELDS} } } } } }`)).individuals.edges;
    expect(page).toHaveLength(100);
    expect(drCalls() - before).toBe(2 * 2);

    const values = new Map<string, Record<string, any>>(page.map((e: any) => [e.node.id, Object.fromEntries(e.node.indicators.map((v: any) => [v.argument ? `${v.name}(${v.argument})` : v.name, v]))]));
    const listed = await Promise.all(w.sandbox.data.disabilities.map(async (d) => ({ d, id: await w.idOf(d.uin) })));
    const { d, id } = listed.find(({ d, id }) => values.has(id) && d.disabilityStatus === 'Approved' && KIND_OF_TYPE[d.impairmentType])!;
    const kind = KIND_OF_TYPE[d.impairmentType];
    const known = values.get(id)!;
    expect(known['dr.has_disability']).toMatchObject({ booleanValue: true, outcome: 'ok', source: 'dr-sandbox', stale: false });
    expect(known[`dr.severity(${kind})`]).toMatchObject({ numberValue: LEVEL.indexOf(d.impairmentLevel.split(' ')[0]) + 1, outcome: 'ok' });
    for (const other of ['vision', 'hearing', 'mobility', 'cognition'].filter((k) => k !== kind)) expect(known[`dr.severity(${other})`].numberValue).toBe(0);
    const stranger = [...values.keys()].find((candidate) => !listed.some((l) => l.id === candidate))!;
    expect(values.get(stranger)!['dr.has_disability']).toMatchObject({ booleanValue: false, outcome: 'not_found' });

    // Read again, alone: stored values, no partner call.
    const again = (await indicatorsOf(w, id, ['dr.severity(hearing)'])).byLabel['dr.severity(hearing)'];
    expect(again.stale).toBe(false);
    expect(drCalls() - before).toBe(2 * 2);

    // The fetch audit holds one row per person asked, with the source, outcome and time taken.
    const audit = await fetchesOf(id);
    expect(audit).toEqual([{ source: 'dr', dataSource: 'dr-sandbox', outcome: 'ok', elapsedMs: expect.any(Number), error: null, refreshId: null, at: expect.any(String) }]);
    expect((await w.gql(FETCHES, { id }, READ)).body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN', scope: 'registry:pii' } });
    expect(await w.gateway.models.IndicatorFetch.countDocuments({ source: 'dr' })).toBe(100);
  });

  it('writes each person a partner is asked about to the fetch audit, whoever asks: the partner-data queries too', async () => {
    const known = (uin: string) => [...w.sandbox.data.disabilities, ...w.sandbox.data.enrolments].some((r) => r.uin === uin);
    const id = await w.idOf([...uins(PEOPLE)].reverse().find((uin) => !known(uin))!);
    const before = (await fetchesOf(id)).length;
    ok(await w.gql(`query ($id: ID!) { disabilityStatus(individualId: $id, refresh: true) { registered } enrollmentCheck(individualId: $id, refresh: true) { result } }`, { id }));
    const record = (source: string) => ({ source, dataSource: `${source}-sandbox`, outcome: 'not_found', elapsedMs: expect.any(Number), error: null, refreshId: null, at: expect.any(String) });
    const audit = await fetchesOf(id);
    expect(audit).toHaveLength(before + 2);
    expect(audit.slice(0, 2).sort((a, b) => a.source.localeCompare(b.source))).toEqual([record('dr'), record('ibr')]);
    // Served from the stored answers: nobody asked, nothing added.
    ok(await w.gql(`query ($id: ID!) { individual(id: $id) { disabilityStatus { registered } enrollmentCheck { result } } }`, { id }));
    expect(await fetchesOf(id)).toHaveLength(before + 2);
  });

  it('reads IBR enrolments and CRVS records of known people', async () => {
    const enrolled = w.sandbox.data.enrolments[0].uin;
    const programmes = new Set(w.sandbox.data.enrolments.filter((e) => e.uin === enrolled).map((e) => e.programmeIdentifier)).size;
    const ibr = (await indicatorsOf(w, await w.idOf(enrolled), ['ibr.enrolled_elsewhere', 'ibr.program_count'])).byLabel;
    expect(ibr['ibr.enrolled_elsewhere']).toMatchObject({ booleanValue: true, outcome: 'ok', source: 'ibr-sandbox' });
    expect(ibr['ibr.program_count']).toMatchObject({ numberValue: programmes, outcome: 'ok' });
    const notEnrolled = (await indicatorsOf(w, await w.idOf(withoutRecords(w.sandbox.data.enrolments)), ['ibr.enrolled_elsewhere', 'ibr.program_count'])).byLabel;
    expect(notEnrolled['ibr.enrolled_elsewhere']).toMatchObject({ booleanValue: false, outcome: 'not_found' });
    expect(notEnrolled['ibr.program_count'].numberValue).toBe(0);

    const dead = w.sandbox.data.deaths[0].uin;
    expect((await indicatorsOf(w, await w.idOf(dead), ['crvs.is_alive'])).byLabel['crvs.is_alive']).toMatchObject({ booleanValue: false, outcome: 'ok', source: 'crvs-sandbox' });
    const living = withoutRecords(w.sandbox.data.deaths);
    expect((await indicatorsOf(w, await w.idOf(living), ['crvs.is_alive'])).byLabel['crvs.is_alive']).toMatchObject({ booleanValue: true, outcome: 'not_found' });

    // A child registered with the BRN of a CRVS birth: a verified birth.
    const birth = w.sandbox.data.births[0];
    const child = ok(
      await w.gql(`mutation ($input: CreateIndividualInput!) { createIndividual(input: $input) { id } }`, {
        input: { name: { given: 'Birth', family: 'Verified' }, sex: birth.sex, birthDate: birth.birthDate, identifiers: [{ type: 'BRN', value: birth.brn }] },
      }),
    ).createIndividual.id;
    const crvs = (await indicatorsOf(w, child, ['crvs.birth_verified', 'crvs.is_alive'])).byLabel;
    expect(crvs['crvs.birth_verified']).toMatchObject({ booleanValue: true, outcome: 'ok' });
    expect(crvs['crvs.is_alive']).toMatchObject({ booleanValue: true, outcome: 'ok' });
  });

  it('applies each failure policy when the registry is down', async () => {
    const [a, b] = [uins(PEOPLE)[150], uins(PEOPLE)[151]];
    const [idA, idB] = [await w.idOf(a), await w.idOf(b)];
    // A value known before the outage (last_known keeps it).
    const known = (await indicatorsOf(w, idA, ['dr.has_disability'])).byLabel['dr.has_disability'];
    expect(known.outcome).not.toBe('error');
    // A new identifier changes what partners are asked with: every value of the person is stale, and asked again.
    ok(await w.gql(`mutation ($id: ID!) { addIdentifier(registrantId: $id, input: { type: "NATIONAL_ID", value: "NID-IND-${Date.now()}" }) { id } }`, { id: idA }));
    await waitFor(async () => (await w.gateway.models.IndicatorValues.findById(idA).lean())?.v.dr__has_disability.invalidatedAt);

    w.sandbox.faults.down('dr', true);
    w.sandbox.faults.down('ibr', true);
    try {
      const lastKnown = (await indicatorsOf(w, idA, ['dr.has_disability'])).byLabel['dr.has_disability'];
      // Served stale first; the background attempt fails and keeps the last known value.
      expect(lastKnown).toMatchObject({ booleanValue: known.booleanValue, stale: true });
      const failed = await waitFor(async () => {
        const v = (await indicatorsOf(w, idA, ['dr.has_disability'])).byLabel['dr.has_disability'];
        return v.outcome === 'error' && v;
      });
      expect(failed).toMatchObject({ booleanValue: known.booleanValue, computedAt: known.computedAt, stale: false, source: 'dr-sandbox' });
      expect(failed.error).toMatch(/^UNAVAILABLE: /);

      // null: a value never obtained is null, with the error.
      const nulled = (await indicatorsOf(w, idB, ['ibr.program_count'])).byLabel['ibr.program_count'];
      expect(nulled).toMatchObject({ value: null, numberValue: null, outcome: 'error', source: 'ibr-sandbox' });

      // fail: an error for the reader, and a rejection for whoever needs the values (an eligibility evaluation).
      const failing = await indicatorsOf(w, idB, ['ibr.enrolled_elsewhere']);
      expect(failing.res.body.errors?.[0]).toMatchObject({ extensions: { code: 'UNAVAILABLE', reason: 'INDICATOR_FAILED', indicator: 'ibr.enrolled_elsewhere' } });
      const deps = { models: w.gateway.models, dataSources: w.gateway.dataSources, log: createLogger('silent') };
      await expect(ensureIndicatorValues(deps, [{ name: 'ibr.enrolled_elsewhere' }], [idB])).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'INDICATOR_FAILED' } });
      await expect(ensureIndicatorValues(deps, [{ name: 'ibr.enrolled_elsewhere' }], [idB])).rejects.toBeInstanceOf(GatewayError);

      const audit = (await fetchesOf(idB)).filter((f) => f.source === 'ibr');
      expect(audit.length).toBeGreaterThanOrEqual(2);
      expect(audit[0]).toMatchObject({ outcome: 'error', dataSource: 'ibr-sandbox', error: expect.stringMatching(/^UNAVAILABLE: /) });
    } finally {
      w.sandbox.faults.down('dr', false);
      w.sandbox.faults.down('ibr', false);
    }
    // Back up: the fail-policy value is tried again by its next reader, once the client's retries
    // are spent and its circuit breaker's cool-down (2 s for these data sources) has passed.
    const recovered = await waitFor(async () => {
      const v = (await indicatorsOf(w, idB, ['ibr.enrolled_elsewhere'])).byLabel['ibr.enrolled_elsewhere'];
      return v && v.outcome !== 'error' && v;
    }, 60_000, 1000);
    expect(recovered.booleanValue).not.toBeNull();
  }, 180_000);

  it('makes crvs.is_alive and is_deceased stale at once when the CRVS notifies a death over HTTP, then recomputes them', async () => {
    ok(await w.gql(`mutation { subscribeCrvsEvents { code } }`));
    const uin = uins(PEOPLE)[120];
    expect(w.sandbox.data.deaths.some((d) => d.uin === uin)).toBe(false);
    const id = await w.idOf(uin);
    const before = (await indicatorsOf(w, id, ['crvs.is_alive', 'is_deceased'])).byLabel;
    expect(before['crvs.is_alive']).toMatchObject({ booleanValue: true, stale: false });
    expect(before.is_deceased).toMatchObject({ booleanValue: false, stale: false });

    await w.sandbox.emitDeath(uin, new Date().toISOString().slice(0, 10));
    // Stale as soon as the notification is applied: served with the old value and its age.
    const stale = (await indicatorsOf(w, id, ['crvs.is_alive', 'is_deceased'])).byLabel;
    expect(stale['crvs.is_alive']).toMatchObject({ booleanValue: true, stale: true, computedAt: before['crvs.is_alive'].computedAt });
    expect(stale.is_deceased).toMatchObject({ booleanValue: false, stale: true });
    expect(stale['crvs.is_alive'].ageSeconds).toBeGreaterThanOrEqual(0);

    const fresh = await waitFor(async () => {
      const v = (await indicatorsOf(w, id, ['crvs.is_alive', 'is_deceased'])).byLabel;
      return !v['crvs.is_alive'].stale && !v.is_deceased.stale && v;
    });
    expect(fresh['crvs.is_alive']).toMatchObject({ booleanValue: false, outcome: 'ok' });
    expect(fresh.is_deceased.booleanValue).toBe(true);
  });

  it('deletes fetch audit records past their retention (365 days unless INDICATOR_FETCH_RETENTION_DAYS says otherwise) when the gateway starts', async () => {
    const id = await w.idOf(uins(3)[2]);
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    const record = (days: number) => ({ individual: id, source: 'ibr', dataSource: 'ibr-sandbox', outcome: 'ok', elapsedMs: 5, at: daysAgo(days) });
    const [expired, kept] = await w.gateway.models.IndicatorFetch.create([record(366), record(364)]);
    const total = await w.gateway.models.IndicatorFetch.countDocuments({});

    await w.restart();
    await waitFor(async () => (await w.gateway.models.IndicatorFetch.countDocuments({ _id: expired._id })) === 0, 30_000);
    expect(await w.gateway.models.IndicatorFetch.countDocuments({ _id: kept._id })).toBe(1);
    expect(await w.gateway.models.IndicatorFetch.countDocuments({})).toBe(total - 1);
    expect((await fetchesOf(id)).map((f) => f.at)).toContain(kept.at.toISOString());
  });

  it('needs registry:pii for partner-backed values', async () => {
    const res = (await indicatorsOf(w, await w.idOf(uins(1)[0]), ['crvs.is_alive'], READ)).res;
    expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
  });
});
