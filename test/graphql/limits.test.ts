/**
 * Production limits: abusive queries are refused with QUERY_TOO_COMPLEX before they run, and the
 * schema is not given away (no introspection, no "Did you mean" suggestions).
 */
import { codes, onlyError, READ, useTestGateway } from '../support/gateway';

/** group → members → individual → groups → group → … nested `levels` times. */
function deepQuery(levels: number): string {
  let inner = 'id';
  for (let i = 0; i < levels; i++) inner = `members { individual { groups { group { ${inner} } } } }`;
  return `{ group(id: "0123456789abcdef01234567") { ${inner} } }`;
}

const aliasQuery = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: individuals(first: 1) { totalCount }`).join(' ')} }`;
const INTROSPECTION = `{ __schema { queryType { name } types { name } } }`;
const TYPO = `{ individuals(first: 1) { totalCont } }`;

describe('query limits in production', () => {
  const t = useTestGateway({ NODE_ENV: 'production' });
  let token: string;

  beforeAll(async () => {
    token = await t.token(READ);
  });

  it('a query within the depth limit runs', async () => {
    const res = await t.gql(deepQuery(2), {}, token);
    expect(res.body).toEqual({ data: { group: null } });
  });

  it('a too-deep query is QUERY_TOO_COMPLEX (depth)', async () => {
    const res = await t.gql(deepQuery(3), {}, token);
    expect(onlyError(res).extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'depth' });
    expect(res.body.data ?? null).toBeNull();
  });

  it('a query within the alias limit runs; one with too many aliases is QUERY_TOO_COMPLEX (aliases)', async () => {
    expect(codes(await t.gql(aliasQuery(15), {}, token))).toEqual([]);
    const res = await t.gql(aliasQuery(16), {}, token);
    expect(onlyError(res).extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases' });
  });

  it('a query with too many tokens is QUERY_TOO_COMPLEX, a client error (400)', async () => {
    const res = await t.gql(`{ individuals(first: 1) { ${'totalCount '.repeat(2100)} } }`, {}, token);
    expect(codes(res)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(res.status).toBe(400);
  });

  it('a query that does not parse is GRAPHQL_PARSE_FAILED, a client error (400)', async () => {
    const res = await t.gql('{ individuals(first: 1) { edges ', {}, token);
    expect(codes(res)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(res.status).toBe(400);
  });

  it('a too-deep mutation is refused before it runs: nothing is written', async () => {
    const mutation = `mutation { createGroup(input: { kind: household, name: "x" }) { ${deepQuery(3).slice(deepQuery(3).indexOf('members'), -4)} } }`;
    const before = await t.gateway.models.Group.countDocuments({});
    const res = await t.gql(mutation, {}, await t.token(['registry:read', 'registry:write']));
    expect(codes(res)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(await t.gateway.models.Group.countDocuments({})).toBe(before);
  });

  it('introspection is refused', async () => {
    const res = await t.gql(INTROSPECTION, {}, token);
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors?.length).toBeGreaterThan(0);
    expect(JSON.stringify(res.body)).not.toContain('IndividualConnection');
    expect(res.body.errors![0].message).toMatch(/introspection/i);
  });

  it('a typo in a field name gets no "Did you mean" suggestion', async () => {
    const res = await t.gql(TYPO, {}, token);
    const error = onlyError(res);
    expect(error.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toContain('totalCont');
    expect(error.message).not.toMatch(/did you mean/i);
    expect(error.message).not.toContain('totalCount');
  });

  it('a typo in an enum value or argument gets no suggestion either', async () => {
    for (const query of [`{ individuals(filter: { sex: femal }) { totalCount } }`, `{ individuals(frist: 1) { totalCount } }`]) {
      const res = await t.gql(query, {}, token);
      expect(res.body.errors?.length).toBeGreaterThan(0);
      for (const error of res.body.errors!) expect(error.message).not.toMatch(/did you mean/i);
    }
  });
});

describe('outside production', () => {
  const t = useTestGateway({ NODE_ENV: 'development' });

  it('introspection works and typos get suggestions', async () => {
    const token = await t.token(READ);
    const intro = await t.gql(INTROSPECTION, {}, token);
    expect(intro.body.errors).toBeUndefined();
    expect((intro.body.data as any).__schema.queryType.name).toBe('Query');
    expect(onlyError(await t.gql(TYPO, {}, token)).message).toMatch(/did you mean/i);
  });

  it('the depth and alias limits still hold', async () => {
    const token = await t.token(READ);
    expect(codes(await t.gql(deepQuery(3), {}, token))).toEqual(['QUERY_TOO_COMPLEX']);
    expect(codes(await t.gql(aliasQuery(16), {}, token))).toEqual(['QUERY_TOO_COMPLEX']);
  });
});
