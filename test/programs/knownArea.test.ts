/**
 * Counts and runs scoped to an area take a place of the location hierarchy once one is loaded: a
 * mistyped code is refused instead of passing for an area where nobody lives.
 */
import { ok, onlyError, useTestGateway } from '../support/gateway';

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
});
