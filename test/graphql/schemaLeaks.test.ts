/**
 * What a caller may learn beyond its scopes: an order by name spells names out like a search by name
 * does, and the schema (`_service { sdl }`) goes only to composition tooling holding schema:read.
 */
import { codes, ok, READ, READ_PII, unique, useTestGateway, WRITE } from '../support/gateway';
import { createGroup, createIndividual } from './fixtures';

const BY_SORT = `query ($sort: [IndividualSort!], $filter: IndividualFilter) {
  individuals(filter: $filter, sort: $sort, first: 10) { edges { node { id } } } }`;
const GROUPS_BY_SORT = `query ($sort: [GroupSort!], $filter: GroupFilter) {
  groups(filter: $filter, sort: $sort, first: 10) { edges { node { id } } } }`;
const SDL = `{ _service { sdl } }`;

describe('sorting by name', () => {
  const t = useTestGateway();
  const area = unique('AREA');
  let ids: { zara: string; abel: string };

  beforeAll(async () => {
    const writer = await t.token(WRITE);
    const zara = await createIndividual(t, writer, { name: { given: 'Zara', family: 'Abara' }, addresses: [{ areaCode: area }] });
    const abel = await createIndividual(t, writer, { name: { given: 'Abel', family: 'Zulu' }, addresses: [{ areaCode: area }] });
    ids = { zara: zara.id, abel: abel.id };
    await createGroup(t, writer, { name: 'Zulu household', address: { areaCode: area } });
  });

  it.each(['givenName', 'familyName'])('by %s needs registry:pii', async (field) => {
    const res = await t.gql(BY_SORT, { sort: [{ field }], filter: { areaCode: area } }, await t.token(READ));
    expect(codes(res)).toEqual(['FORBIDDEN']);
    expect(res.body.errors?.[0].extensions).toMatchObject({ scope: 'registry:pii' });
  });

  it('by name is served in name order to a caller who may read names', async () => {
    const pii = await t.token(READ_PII);
    const byGiven = ok(await t.gql(BY_SORT, { sort: [{ field: 'givenName' }], filter: { areaCode: area } }, pii));
    expect(byGiven.individuals.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([ids.abel, ids.zara]);
    const byFamily = ok(await t.gql(BY_SORT, { sort: [{ field: 'familyName' }], filter: { areaCode: area } }, pii));
    expect(byFamily.individuals.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([ids.zara, ids.abel]);
  });

  it('groups by name need registry:pii too; other orders do not', async () => {
    const reader = await t.token(READ);
    expect(codes(await t.gql(GROUPS_BY_SORT, { sort: [{ field: 'name' }], filter: { areaCode: area } }, reader))).toEqual(['FORBIDDEN']);
    expect(ok(await t.gql(GROUPS_BY_SORT, { sort: [{ field: 'name' }], filter: { areaCode: area } }, await t.token(READ_PII))).groups.edges).toHaveLength(1);
    expect(ok(await t.gql(BY_SORT, { sort: [{ field: 'registrationDate' }], filter: { areaCode: area } }, reader)).individuals.edges).toHaveLength(2);
  });
});

describe('the schema in production', () => {
  const t = useTestGateway({ NODE_ENV: 'production' });

  it('_service { sdl } answers a token with schema:read', async () => {
    const sdl: string = ok(await t.gql(SDL, {}, await t.token(['schema:read'])))._service.sdl;
    expect(sdl).toContain('type Individual');
  });

  it('_service is FORBIDDEN to every other token, however broad, and UNAUTHENTICATED without one', async () => {
    const broad = await t.token(['registry:read', 'registry:write', 'registry:pii', 'partners:admin', 'metrics:read']);
    const res = await t.gql(SDL, {}, broad);
    expect(codes(res)).toEqual(['FORBIDDEN']);
    expect(res.body.errors?.[0].extensions).toMatchObject({ scope: 'schema:read' });
    expect(JSON.stringify(res.body)).not.toContain('type Individual');
    expect(codes(await t.gql(SDL, {}, null))).toEqual(['UNAUTHENTICATED']);
  });

  it('introspection is refused, so _service is the only way to the schema', async () => {
    const res = await t.gql(`{ __schema { types { name } } }`, {}, await t.token(['registry:read', 'schema:read']));
    expect(res.body.data ?? null).toBeNull();
    expect(JSON.stringify(res.body)).not.toContain('IndividualFilter');
  });
});
