/** Every operation needs a valid token carrying the scopes its root field declares. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rotateTokenKey, TokenService } from '../../src/auth/tokens';
import { codes, onlyError, READ, useTestGateway } from '../support/gateway';

const QUERY = `{ individuals(first: 1) { totalCount } }`;
const MUTATION = `mutation { createIndividual(input: { name: { given: "No", family: "Body" }, sex: male }) { id } }`;

describe('authentication and scopes', () => {
  const t = useTestGateway();
  const count = () => t.gateway.models.Individual.countDocuments({});

  it.each([
    ['a query', QUERY],
    ['a mutation', MUTATION],
  ])('%s without a token is HTTP 401 UNAUTHENTICATED', async (_what, query) => {
    const res = await t.gql(query);
    expect(res.status).toBe(401);
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    expect(res.body.data ?? null).toBeNull();
    expect(await count()).toBe(0);
  });

  it('a header that is not a bearer token is HTTP 401', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic dXNlcjpwYXNz' },
      body: JSON.stringify({ query: QUERY }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['a query', QUERY],
    ['a mutation', MUTATION],
  ])('%s with a malformed token is HTTP 401 UNAUTHENTICATED', async (_what, query) => {
    const res = await t.gql(query, {}, 'not.a.jwt');
    expect(res.status).toBe(401);
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    expect(await count()).toBe(0);
  });

  it('a token revoked by rotating the token key without grace is HTTP 401 once the serving gateway looks at its key again', async () => {
    const revoked = await t.token(READ);
    expect((await t.gql(QUERY, {}, revoked)).status).toBe(200);
    await rotateTokenKey(t.dataDir, 0);
    // The gateway looks at its key file every 2 s; nothing else is waited for.
    const deadline = Date.now() + 10_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      status = (await t.gql(QUERY, {}, revoked)).status;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe(401);
    expect((await t.gql(QUERY, {}, await t.token(READ))).status).toBe(200);
  });

  it('a token signed by another key (same issuer and audience) is HTTP 401', async () => {
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-otherkey-'));
    try {
      const other = await TokenService.open({ dataDir: otherDir, issuer: 'dci-gateway' });
      const forged = await other.issue({ subject: 'mallory', scopes: ['registry:read', 'registry:write'], kind: 'user', ttlSeconds: 600 });
      for (const query of [QUERY, MUTATION]) {
        const res = await t.gql(query, {}, forged);
        expect(res.status).toBe(401);
        expect(codes(res)).toEqual(['UNAUTHENTICATED']);
      }
      expect(await count()).toBe(0);
    } finally {
      fs.rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('a tampered token (payload changed, signature kept) is HTTP 401', async () => {
    const token = await t.token(READ);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.scope = 'registry:read registry:write registry:pii';
    const tampered = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
    const res = await t.gql(MUTATION, {}, tampered);
    expect(res.status).toBe(401);
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
  });

  it('a query without registry:read is FORBIDDEN naming the missing scope', async () => {
    const res = await t.gql(QUERY, {}, await t.token(['registry:write', 'registry:pii']));
    expect(onlyError(res).extensions).toMatchObject({ code: 'FORBIDDEN', scope: 'registry:read' });
    expect(res.body.data ?? null).toBeNull();
  });

  it('a mutation without registry:write is FORBIDDEN and writes nothing', async () => {
    const res = await t.gql(MUTATION, {}, await t.token(['registry:read', 'registry:pii']));
    expect(onlyError(res).extensions).toMatchObject({ code: 'FORBIDDEN', scope: 'registry:write' });
    expect(await count()).toBe(0);
  });

  it('a token with no registry scope at all is FORBIDDEN everywhere', async () => {
    const token = await t.token(['partners:admin', 'dci:search']);
    for (const query of [
      QUERY,
      MUTATION,
      `{ individual(id: "0123456789abcdef01234567") { id } }`,
      `{ group(id: "0123456789abcdef01234567") { id } }`,
      `{ registrantByIdentifier(type: "UIN", value: "1") { __typename } }`,
      `{ groups { totalCount } }`,
      `{ registryStats { total } }`,
      `{ _service { sdl } }`,
      `mutation { removeIdentifier(id: "0123456789abcdef01234567") { id } }`,
    ]) {
      expect(codes(await t.gql(query, {}, token))).toEqual(['FORBIDDEN']);
    }
  });

  it('a valid token with the right scope is served', async () => {
    const res = await t.gql(QUERY, {}, await t.token(READ));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { individuals: { totalCount: 0 } } });
  });
});
