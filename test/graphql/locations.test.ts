/**
 * The location hierarchy through GraphQL: kept consistent when edited, and binding on registrant
 * addresses once it holds any place (a registry without one accepts any code, as before).
 */
import { codes, ok, useTestGateway } from '../support/gateway';

const PLACE = `code name type parent children { code }`;
const CREATE = `mutation ($input: CreateLocationInput!) { createLocation(input: $input) { ${PLACE} } }`;
const UPDATE = `mutation ($code: ID!, $input: UpdateLocationInput!) { updateLocation(code: $code, input: $input) { ${PLACE} } }`;
const DELETE = `mutation ($code: ID!) { deleteLocation(code: $code) }`;
const PERSON = `mutation ($input: CreateIndividualInput!) { createIndividual(input: $input) { id version addresses { areaCode regionCode } } }`;
const MOVE = `mutation ($id: ID!, $version: Int!, $input: UpdateIndividualInput!) { updateIndividual(id: $id, version: $version, input: $input) { id } }`;
const HOUSEHOLD = `mutation ($input: CreateGroupInput!) { createGroup(input: $input) { id } }`;

const person = (areaCode: string, regionCode?: string) => ({ name: { given: 'Ama', family: 'Mensah' }, sex: 'female', addresses: [{ areaCode, regionCode }] });
const field = (res: { body: { errors?: { extensions?: { field?: string } }[] } }) => res.body.errors?.[0]?.extensions?.field;

describe('the location hierarchy', () => {
  const t = useTestGateway();
  let writer: string;
  let reader: string;

  beforeAll(async () => {
    writer = await t.token(['registry:read', 'registry:write']);
    reader = await t.token(['registry:read']);
  });

  it('accepts any area code while the registry has no hierarchy', async () => {
    ok(await t.gql(PERSON, { input: person('ANYWHERE-9') }, writer));
  });

  it('builds a hierarchy and reads it with each place’s children', async () => {
    ok(await t.gql(CREATE, { input: { code: 'EA', name: 'Eastern Region', type: 'region' } }, writer));
    ok(await t.gql(CREATE, { input: { code: 'WE', name: 'Western Region', type: 'region' } }, writer));
    ok(await t.gql(CREATE, { input: { code: 'EA-01', name: 'Lakeside', type: 'area', parent: 'EA' } }, writer));
    ok(await t.gql(CREATE, { input: { code: 'EA-02', name: 'Hillside', type: 'area', parent: 'EA' } }, writer));
    const { locations } = ok(await t.gql(`{ locations { ${PLACE} } }`, {}, reader));
    expect(locations).toEqual([
      { code: 'EA', name: 'Eastern Region', type: 'region', parent: null, children: [{ code: 'EA-01' }, { code: 'EA-02' }] },
      { code: 'EA-01', name: 'Lakeside', type: 'area', parent: 'EA', children: [] },
      { code: 'EA-02', name: 'Hillside', type: 'area', parent: 'EA', children: [] },
      { code: 'WE', name: 'Western Region', type: 'region', parent: null, children: [] },
    ]);
    expect(ok(await t.gql(`{ location(code: "EA-02") { name parent } }`, {}, reader)).location).toEqual({ name: 'Hillside', parent: 'EA' });
    expect(ok(await t.gql(`{ location(code: "NOWHERE") { name } }`, {}, reader)).location).toBeNull();
  });

  it('refuses a bad code, an unknown parent, a second place with one code, and a loop', async () => {
    const badCode = await t.gql(CREATE, { input: { code: 'a b', name: 'X', type: 'area' } }, writer);
    expect([codes(badCode), field(badCode)]).toEqual([['BAD_USER_INPUT'], 'code']);
    const orphan = await t.gql(CREATE, { input: { code: 'NO-01', name: 'X', type: 'area', parent: 'NO' } }, writer);
    expect([codes(orphan), field(orphan)]).toEqual([['BAD_USER_INPUT'], 'parent']);
    const twice = await t.gql(CREATE, { input: { code: 'EA', name: 'Again', type: 'region' } }, writer);
    expect(codes(twice)).toEqual(['CONFLICT']);
    const loop = await t.gql(UPDATE, { code: 'EA', input: { parent: 'EA-01' } }, writer);
    expect([codes(loop), field(loop)]).toEqual([['BAD_USER_INPUT'], 'parent']);
    const self = await t.gql(UPDATE, { code: 'EA', input: { parent: 'EA' } }, writer);
    expect(codes(self)).toEqual(['BAD_USER_INPUT']);
  });

  it('moves and renames a place', async () => {
    const moved = ok(await t.gql(UPDATE, { code: 'EA-02', input: { parent: 'WE', name: 'Hill Side' } }, writer)).updateLocation;
    expect(moved).toMatchObject({ code: 'EA-02', name: 'Hill Side', parent: 'WE' });
    const { location } = ok(await t.gql(`{ location(code: "WE") { children { code } } }`, {}, reader));
    expect(location.children).toEqual([{ code: 'EA-02' }]);
    ok(await t.gql(UPDATE, { code: 'EA-02', input: { parent: 'EA', name: 'Hillside' } }, writer));
  });

  it('then binds registrant addresses: known places only, the region containing the area', async () => {
    expect(ok(await t.gql(PERSON, { input: person('EA-01', 'EA') }, writer)).createIndividual.addresses).toEqual([{ areaCode: 'EA-01', regionCode: 'EA' }]);
    const unknown = await t.gql(PERSON, { input: person('ANYWHERE-9') }, writer);
    expect([codes(unknown), field(unknown)]).toEqual([['BAD_USER_INPUT'], 'addresses[0].areaCode']);
    const wrongRegion = await t.gql(PERSON, { input: person('EA-01', 'WE') }, writer);
    expect([codes(wrongRegion), field(wrongRegion)]).toEqual([['BAD_USER_INPUT'], 'addresses[0].regionCode']);
    const { id, version } = ok(await t.gql(PERSON, { input: person('EA-02') }, writer)).createIndividual;
    const move = await t.gql(MOVE, { id, version, input: { addresses: [{ areaCode: 'XX-01' }] } }, writer);
    expect([codes(move), field(move)]).toEqual([['BAD_USER_INPUT'], 'addresses[0].areaCode']);
    const household = await t.gql(HOUSEHOLD, { input: { kind: 'household', name: 'Mensah', address: { areaCode: 'XX-01' } } }, writer);
    expect([codes(household), field(household)]).toEqual([['BAD_USER_INPUT'], 'address.areaCode']);
    ok(await t.gql(HOUSEHOLD, { input: { kind: 'household', name: 'Mensah', address: { areaCode: 'EA-02' } } }, writer));
  });

  it('deletes only a place that contains none and that no address names', async () => {
    expect(codes(await t.gql(DELETE, { code: 'EA' }, writer))).toEqual(['CONFLICT']);
    expect(codes(await t.gql(DELETE, { code: 'EA-01' }, writer))).toEqual(['CONFLICT']);
    ok(await t.gql(CREATE, { input: { code: 'WE-09', name: 'Empty', type: 'area', parent: 'WE' } }, writer));
    expect(ok(await t.gql(DELETE, { code: 'WE-09' }, writer)).deleteLocation).toBe(true);
    expect(codes(await t.gql(DELETE, { code: 'WE-09' }, writer))).toEqual(['NOT_FOUND']);
  });

  it('needs registry:write to change the hierarchy', async () => {
    expect(codes(await t.gql(CREATE, { input: { code: 'ZZ', name: 'Z', type: 'region' } }, reader))).toEqual(['FORBIDDEN']);
    expect(codes(await t.gql(`{ locations { code } }`, {}, null))).toEqual(['UNAUTHENTICATED']);
  });
});
