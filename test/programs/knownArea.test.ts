/**
 * Counts and runs scoped to an area take a place of the location hierarchy once one is loaded: a
 * mistyped code is refused instead of passing for an area where nobody lives, and a place covers
 * the places within it.
 */
import { ok, onlyError, useTestGateway } from '../support/gateway';
import { createIndividual } from '../graphql/fixtures';

const CREATE_LOCATION = `mutation ($input: CreateLocationInput!) { createLocation(input: $input) { code } }`;
const CREATE_PROGRAM = `mutation ($input: CreateProgramInput!) { createProgram(input: $input) { id } }`;
const EVALUATE = `query ($programId: ID!, $filter: EligibilityFilter) { evaluateEligibility(programId: $programId, filter: $filter) { record { population } } }`;
const REFRESH = `mutation ($filter: IndicatorPopulationFilter) { refreshIndicators(names: ["age_years"], filter: $filter) { total } }`;

describe('areas of counts and runs', () => {
  const t = useTestGateway();
  let programId: string;
  let writer: string;

  beforeAll(async () => {
    writer = await t.token(['registry:read', 'registry:write']);
    programId = ok(await t.gql(CREATE_PROGRAM, { input: { name: 'Adults by area', rule: 'age_years >= 18' } }, await t.token(['programs:admin', 'registry:read']))).createProgram.id;
  });

  it('takes any code while no hierarchy is loaded, and only its places once one is', async () => {
    expect(ok(await t.gql(EVALUATE, { programId, filter: { areaCode: 'KE-NRB-99' } }, writer)).evaluateEligibility.record.population).toBe(0);
    expect(ok(await t.gql(REFRESH, { filter: { area: 'KE-NRB-99' } }, writer)).refreshIndicators.total).toBe(0);

    ok(await t.gql(CREATE_LOCATION, { input: { code: 'KE-NRB', name: 'Nairobi', type: 'region' } }, writer));
    ok(await t.gql(CREATE_LOCATION, { input: { code: 'KE-NRB-01', name: 'Westlands', type: 'area', parent: 'KE-NRB' } }, writer));
    expect(onlyError(await t.gql(EVALUATE, { programId, filter: { areaCode: 'KE-NRB-99' } }, writer)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.areaCode' });
    expect(onlyError(await t.gql(REFRESH, { filter: { area: 'KE-NRB-99' } }, writer)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.area' });
    expect(ok(await t.gql(EVALUATE, { programId, filter: { areaCode: 'KE-NRB-01' } }, writer)).evaluateEligibility.record.population).toBe(0);
    expect(ok(await t.gql(REFRESH, { filter: { area: 'KE-NRB-01' } }, writer)).refreshIndicators.total).toBe(0);
  });

  it('counts and refreshes the people of a place and of every place within it: a region, its areas', async () => {
    ok(await t.gql(CREATE_LOCATION, { input: { code: 'KE-MSA', name: 'Mombasa', type: 'region' } }, writer));
    for (const code of ['KE-MSA-01', 'KE-MSA-02']) ok(await t.gql(CREATE_LOCATION, { input: { code, name: code, type: 'area', parent: 'KE-MSA' } }, writer));
    ok(await t.gql(CREATE_LOCATION, { input: { code: 'KE-MSA-02-A', name: 'Likoni', type: 'locality', parent: 'KE-MSA-02' } }, writer));
    for (const areaCode of ['KE-MSA-01', 'KE-MSA-02', 'KE-MSA-02', 'KE-MSA-02-A', 'KE-NRB-01']) await createIndividual(t, writer, { addresses: [{ areaCode }] });

    const population = async (areaCode: string) => ok(await t.gql(EVALUATE, { programId, filter: { areaCode } }, writer)).evaluateEligibility.record.population;
    expect([await population('KE-MSA'), await population('KE-MSA-02'), await population('KE-MSA-02-A'), await population('KE-NRB')]).toEqual([4, 3, 1, 1]);
    const total = async (area: string) => ok(await t.gql(REFRESH, { filter: { area } }, writer)).refreshIndicators.total;
    expect([await total('KE-MSA'), await total('KE-MSA-01')]).toEqual([4, 1]);
  });

  it('refuses an empty area as evaluateEligibility does, instead of refreshing everyone', async () => {
    expect(onlyError(await t.gql(REFRESH, { filter: { area: ' ' } }, writer)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.area' });
  });
});
