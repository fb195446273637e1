/** Registry indicators on a household built for the test, read through Individual.indicators. */
import { isoDay } from '../graphql/fixtures';
import { waitFor } from '../crvs/world';
import { ok } from '../support/gateway';
import { indicatorsOf, IndicatorWorld, READ, startIndicatorWorld } from './world';

const CREATE_INDIVIDUAL = `mutation ($input: CreateIndividualInput!) { createIndividual(input: $input) { id version } }`;
const CREATE_GROUP = `mutation ($input: CreateGroupInput!) { createGroup(input: $input) { id } }`;
const ADD_MEMBER = `mutation ($input: AddMemberInput!) { addMember(input: $input) { id } }`;

describe('registry indicators', () => {
  let w: IndicatorWorld;
  const ids: Record<string, string> = {};
  let household: string;
  const person = async (key: string, birthDate: string | null) => {
    ids[key] = ok(await w.gql(CREATE_INDIVIDUAL, { input: { name: { given: key, family: 'Indicator' }, sex: 'female', birthDate } })).createIndividual.id;
  };

  beforeAll(async () => {
    w = await startIndicatorWorld({ individuals: 20 });
    await person('head', '1980-03-01');
    await person('toddler', isoDay(-600));
    await person('older', isoDay(-7 * 365));
    await person('alone', null);
    household = ok(await w.gql(CREATE_GROUP, { input: { kind: 'household', name: 'Indicator household' } })).createGroup.id;
    for (const [key, role] of [['head', 'head'], ['toddler', 'child'], ['older', 'child']]) {
      ok(await w.gql(ADD_MEMBER, { input: { groupId: household, individualId: ids[key], role } }));
    }
  }, 120_000);
  afterAll(async () => {
    await w?.stop();
  });

  it('computes each registry indicator from the person and their household', async () => {
    const names = ['age_years', 'household_size', 'is_head_of_household', 'is_deceased', 'children_under_5'];
    const head = (await indicatorsOf(w, ids.head, names, READ)).byLabel;
    const today = new Date();
    const birthdayPassed = today.getUTCMonth() > 2 || (today.getUTCMonth() === 2 && today.getUTCDate() >= 1);
    expect(head.age_years).toMatchObject({ numberValue: today.getUTCFullYear() - 1980 - (birthdayPassed ? 0 : 1), outcome: 'ok', source: 'registry', stale: false });
    expect(head.household_size).toMatchObject({ numberValue: 3, value: '3', outcome: 'ok' });
    expect(head.is_head_of_household).toMatchObject({ booleanValue: true, value: 'true' });
    expect(head.is_deceased).toMatchObject({ booleanValue: false });
    expect(head.children_under_5).toMatchObject({ numberValue: 1 });
    expect(new Date(head.age_years.expiresAt).getTime()).toBeGreaterThan(Date.now());

    const toddler = (await indicatorsOf(w, ids.toddler, names, READ)).byLabel;
    expect(toddler.age_years.numberValue).toBe(1);
    expect(toddler.is_head_of_household.booleanValue).toBe(false);
    expect(toddler.children_under_5.numberValue).toBe(1);

    const alone = (await indicatorsOf(w, ids.alone, names, READ)).byLabel;
    expect(alone.age_years).toMatchObject({ value: null, numberValue: null, outcome: 'not_found' });
    expect(alone.household_size).toMatchObject({ value: null, outcome: 'not_found' });
    expect(alone.is_head_of_household).toMatchObject({ booleanValue: false, outcome: 'ok' });
  });

  it('serves a stored value until it is stale: a second read computes nothing', async () => {
    const first = (await indicatorsOf(w, ids.older, ['age_years'], READ)).byLabel.age_years;
    const second = (await indicatorsOf(w, ids.older, ['age_years'], READ)).byLabel.age_years;
    expect(second.computedAt).toBe(first.computedAt);
    expect(second.numberValue).toBe(6);
  });

  it('refuses an unknown indicator or argument by name, and partner-backed ones without registry:pii', async () => {
    const unknown = (await indicatorsOf(w, ids.head, ['age_in_days'], READ)).res;
    expect(unknown.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'names' } });
    expect(unknown.body.errors?.[0].message).toContain('unknown indicator "age_in_days"');
    const badArgument = (await indicatorsOf(w, ids.head, ['dr.severity(smell)'], READ)).res;
    expect(badArgument.body.errors?.[0].message).toContain('takes one of vision, hearing, mobility, cognition');
    const forbidden = (await indicatorsOf(w, ids.head, ['dr.has_disability'], READ)).res;
    expect(forbidden.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN', scope: 'registry:pii' } });
    // Without names: only what the caller may read.
    const all = (await indicatorsOf(w, ids.head, null, READ)).byLabel;
    expect(Object.keys(all).sort()).toEqual(['age_years', 'children_under_5', 'household_size', 'is_deceased', 'is_head_of_household']);
  });

  it('lists the catalogue', async () => {
    const catalogue = ok(await w.gql(`{ indicatorCatalogue { name type source arguments ttlSeconds failurePolicy scopes partnerVisible } }`, {}, READ)).indicatorCatalogue;
    expect(catalogue.map((i: any) => i.name)).toEqual(expect.arrayContaining(['age_years', 'crvs.is_alive', 'dr.severity', 'ibr.program_count']));
    expect(catalogue.find((i: any) => i.name === 'dr.severity')).toMatchObject({ type: 'number', source: 'dr', arguments: ['vision', 'hearing', 'mobility', 'cognition'], scopes: ['registry:read', 'registry:pii'], partnerVisible: false });
    expect(catalogue.find((i: any) => i.name === 'ibr.enrolled_elsewhere')).toMatchObject({ failurePolicy: 'fail', ttlSeconds: 3600 });
  });

  it('makes the household values of every member stale when a member joins, serves them stale, and recomputes them in the background', async () => {
    const before = (await indicatorsOf(w, ids.head, ['household_size', 'children_under_5'], READ)).byLabel;
    expect(before.household_size).toMatchObject({ numberValue: 3, stale: false });
    await person('baby', isoDay(-100));
    ok(await w.gql(ADD_MEMBER, { input: { groupId: household, individualId: ids.baby, role: 'child' } }));

    // The outbox event makes the stored values stale: served as they are, flagged, with their age.
    const stale = await waitFor(async () => {
      const v = (await indicatorsOf(w, ids.head, ['household_size'], READ)).byLabel.household_size;
      return v.stale && v;
    });
    expect(stale.numberValue).toBe(3);
    expect(stale.computedAt).toBe(before.household_size.computedAt);

    const fresh = await waitFor(async () => {
      const v = (await indicatorsOf(w, ids.head, ['household_size', 'children_under_5'], READ)).byLabel;
      return !v.household_size.stale && !v.children_under_5.stale && v;
    });
    expect(fresh.household_size.numberValue).toBe(4);
    expect(fresh.children_under_5.numberValue).toBe(2);
  });

  it('selects people by a stored indicator value, with the reader scopes of the indicator', async () => {
    const SELECT = `query ($filter: IndividualFilter) { individuals(filter: $filter, first: 50) { totalCount edges { node { id } } } }`;
    const selected = async (indicator: object, scopes = READ) => {
      const res = await w.gql(SELECT, { filter: { indicator } }, scopes);
      return { ids: (res.body.data?.individuals.edges ?? []).map((e: any) => e.node.id).sort(), res };
    };
    // Values of the household, stored by the reads above.
    await indicatorsOf(w, ids.head, ['children_under_5', 'is_head_of_household'], READ);
    await indicatorsOf(w, ids.toddler, ['children_under_5', 'is_head_of_household'], READ);
    expect((await selected({ name: 'is_head_of_household', op: 'eq', value: 'true' })).ids).toEqual([ids.head]);
    expect((await selected({ name: 'children_under_5', op: 'ge', value: '1' })).ids).toEqual([ids.head, ids.toddler].sort());
    expect((await selected({ name: 'children_under_5', op: 'gt', value: '5' })).ids).toEqual([]);

    const wrongOp = (await selected({ name: 'is_deceased', op: 'gt', value: 'true' })).res;
    expect(wrongOp.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'filter.indicator.op' } });
    const wrongValue = (await selected({ name: 'children_under_5', op: 'eq', value: 'many' })).res;
    expect(wrongValue.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'filter.indicator.value' } });
    const personal = (await selected({ name: 'dr.has_disability', op: 'eq', value: 'true' })).res;
    expect(personal.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN', scope: 'registry:pii' } });
  });
});
