/** Apollo Federation 2: the subgraph publishes its SDL with @key and resolves entity references. */
import { codes, ok, onlyError, READ, READ_PII, useTestGateway, WRITE } from '../support/gateway';
import { createGroup, createIndividual } from './fixtures';

const ENTITIES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Individual { id name { given family } }
    ... on Group { id groupName: name size }
  } }`;

describe('federation', () => {
  const t = useTestGateway();
  let personId: string;
  let groupId: string;

  beforeAll(async () => {
    const writer = await t.token(WRITE);
    personId = (await createIndividual(t, writer, { name: { given: 'Joseph', family: 'Moyo' } })).id;
    groupId = (await createGroup(t, writer, { name: 'Moyo household' })).id;
  });

  it('_service { sdl } publishes the schema with @key on Individual and Group', async () => {
    const sdl: string = ok(await t.gql(`{ _service { sdl } }`, {}, await t.token(['schema:read'])))._service.sdl;
    expect(sdl).toMatch(/type Individual\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type Group\s+@key\(fields: "id"\)/);
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2');
    expect(sdl).toContain('createIndividual');
  });

  it('_entities resolves Individual and Group references, in order', async () => {
    const representations = [
      { __typename: 'Individual', id: personId },
      { __typename: 'Group', id: groupId },
    ];
    const entities = ok(await t.gql(ENTITIES, { representations }, await t.token(READ_PII)))._entities;
    expect(entities).toEqual([
      { __typename: 'Individual', id: personId, name: { given: 'Joseph', family: 'Moyo' } },
      { __typename: 'Group', id: groupId, groupName: 'Moyo household', size: 0 },
    ]);
  });

  it('_entities answers null for unknown or malformed ids, and masks personal data without registry:pii', async () => {
    const representations = [
      { __typename: 'Individual', id: '0123456789abcdef01234567' },
      { __typename: 'Group', id: 'xyz' },
      { __typename: 'Individual', id: personId },
    ];
    const entities = ok(await t.gql(ENTITIES, { representations }, await t.token(READ)))._entities;
    expect(entities).toEqual([null, null, { __typename: 'Individual', id: personId, name: { given: 'J***', family: 'M***' } }]);
  });

  it('_entities refuses a representation that names no entity of this graph (BAD_USER_INPUT)', async () => {
    const token = await t.token(READ_PII);
    for (const [representation, field] of [
      [{ id: personId }, 'representations[0].__typename'],
      ['Individual', 'representations[0].__typename'],
      [{ __typename: 'Nope', id: personId }, 'representations[0].__typename'],
      [{ __typename: 'Location', code: 'NR' }, 'representations[0].__typename'],
    ] as const) {
      expect(onlyError(await t.gql(ENTITIES, { representations: [representation] }, token)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(onlyError(await t.gql(ENTITIES, { representations: [{ __typename: 'Individual', id: personId }, null] }, token)).extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('_entities needs registry:read and _service schema:read', async () => {
    const token = await t.token(['registry:write']);
    expect(codes(await t.gql(ENTITIES, { representations: [{ __typename: 'Individual', id: personId }] }, token))).toEqual(['FORBIDDEN']);
    expect(codes(await t.gql(`{ _service { sdl } }`, {}, await t.token(READ)))).toEqual(['FORBIDDEN']);
  });
});
