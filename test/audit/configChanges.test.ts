/**
 * The configuration audit: changes to partners and data sources made over GraphQL and with the CLI
 * (on the running gateway's engine) land in one history, read over GraphQL and with `audit changes`.
 */
import os from 'node:os';
import { recordChange } from '../../src/audit/configChanges';
import { createLogger } from '../../src/log';
import { codes, ok, onlyError, useTestGateway } from '../support/gateway';
import { runCli } from '../support/cli';

const CHANGE_FIELDS = 'target name action fields by via requestId outcome refusal at';
const CHANGES = `query ($filter: ConfigChangeFilter, $first: Int) { configChanges(filter: $filter, first: $first) { ${CHANGE_FIELDS} } }`;
const CREATE_PARTNER = `mutation ($input: CreatePartnerInput!) { createPartner(input: $input) { clientId } }`;
const UPDATE_PARTNER = `mutation ($senderId: String!, $input: UpdatePartnerInput!) { updatePartner(senderId: $senderId, input: $input) { senderId } }`;
const ROTATE = `mutation ($senderId: String!) { rotatePartnerSecret(senderId: $senderId) { clientSecret } }`;
const DISABLE_PARTNER = `mutation ($senderId: String!) { disablePartner(senderId: $senderId) { status } }`;
const CREATE_SOURCE = `mutation ($input: CreateDataSourceInput!) { createDataSource(input: $input) { name } }`;
const UPDATE_SOURCE = `mutation ($name: String!, $input: UpdateDataSourceInput!) { updateDataSource(name: $name, input: $input) { name } }`;

const JWKS_URL = 'https://spmis.example.org/keys/jwks.json';
const NEW_JWKS_URL = 'https://spmis.example.org/keys/2027/jwks.json';
const SOURCE_TOKEN = 'registry-bearer-token-0123456789';

describe('the configuration audit', () => {
  const t = useTestGateway();
  let admin: string;
  let auditor: string;

  beforeAll(async () => {
    [admin, auditor] = await Promise.all([t.token(['partners:admin']), t.token(['audit:read'])]);
  });

  const changesOf = async (filter: Record<string, unknown>, first?: number) => ok(await t.gql(CHANGES, { filter, first }, auditor)).configChanges;

  it('records every partner change made over GraphQL: who, which fields (not their values), the outcome, newest first', async () => {
    ok(await t.gql(CREATE_PARTNER, { input: { senderId: 'spmis.example.org', jwksUrl: JWKS_URL, callbackBase: 'https://spmis.example.org/dci' } }, admin));
    ok(await t.gql(UPDATE_PARTNER, { senderId: 'spmis.example.org', input: { jwksUrl: NEW_JWKS_URL, rateLimitPerMinute: 60 } }, admin));
    // Refused: nothing changed, and the attempt is on record with its code.
    expect(onlyError(await t.gql(UPDATE_PARTNER, { senderId: 'spmis.example.org', input: { callbackBase: 'ftp://spmis.example.org' } }, admin)).extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(onlyError(await t.gql(DISABLE_PARTNER, { senderId: 'nobody.example.org' }, admin)).extensions).toMatchObject({ code: 'NOT_FOUND' });
    const secret = ok(await t.gql(ROTATE, { senderId: 'spmis.example.org' }, admin)).rotatePartnerSecret.clientSecret;
    ok(await t.gql(DISABLE_PARTNER, { senderId: 'spmis.example.org' }, admin));

    const changes = await changesOf({ target: 'partner', name: 'spmis.example.org' });
    const byGraphql = { by: 'test-user', via: 'graphql', requestId: expect.any(String), at: expect.any(String) };
    expect(changes).toEqual([
      { ...byGraphql, target: 'partner', name: 'spmis.example.org', action: 'disabled', fields: [], outcome: 'applied', refusal: null },
      { ...byGraphql, target: 'partner', name: 'spmis.example.org', action: 'secret_rotated', fields: [], outcome: 'applied', refusal: null },
      { ...byGraphql, target: 'partner', name: 'spmis.example.org', action: 'updated', fields: ['callbackBase'], outcome: 'refused', refusal: 'BAD_USER_INPUT' },
      { ...byGraphql, target: 'partner', name: 'spmis.example.org', action: 'updated', fields: ['jwksUrl', 'rateLimitPerMinute'], outcome: 'applied', refusal: null },
      { ...byGraphql, target: 'partner', name: 'spmis.example.org', action: 'created', fields: ['callbackBase', 'jwksUrl', 'senderId'], outcome: 'applied', refusal: null },
    ]);
    expect(new Set(changes.map((c: { requestId: string }) => c.requestId)).size).toBe(5);
    const stored = JSON.stringify(await t.gateway.models.ConfigChange.find().lean());
    for (const value of [NEW_JWKS_URL, 'ftp://', secret]) expect(stored).not.toContain(value);

    expect(await changesOf({ name: 'nobody.example.org' })).toEqual([expect.objectContaining({ action: 'disabled', outcome: 'refused', refusal: 'NOT_FOUND' })]);
    expect(onlyError(await t.gql(DISABLE_PARTNER, { senderId: '' }, admin)).extensions).toMatchObject({ code: 'NOT_FOUND' });
    expect(await changesOf({ name: '' })).toEqual([expect.objectContaining({ name: '', action: 'disabled', outcome: 'refused', refusal: 'NOT_FOUND' })]);
    expect((await changesOf({ target: 'partner', name: 'spmis.example.org' }, 2)).map((c: { action: string }) => c.action)).toEqual(['disabled', 'secret_rotated']);
  });

  it('carries the request id the caller sent', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, 'x-request-id': 'ops-ticket-4711' },
      body: JSON.stringify({ query: UPDATE_PARTNER, variables: { senderId: 'spmis.example.org', input: { displayName: 'SP-MIS' } } }),
    });
    expect(res.status).toBe(200);
    expect((await changesOf({ name: 'spmis.example.org' }, 1))[0]).toMatchObject({ action: 'updated', fields: ['displayName'], requestId: 'ops-ticket-4711' });
  });

  it('records data source changes, and the CLI on the running engine as its user, in the same history', async () => {
    const input = {
      name: 'ibr-national',
      kind: 'ibr',
      baseUrl: 'https://ibr.example.org/dci',
      receiverId: 'ibr.example.org',
      callbackBase: 'https://gateway.example.org/dci',
      jwksUrl: 'https://ibr.example.org/.well-known/jwks.json',
      auth: { type: 'bearer', token: SOURCE_TOKEN },
    };
    ok(await t.gql(CREATE_SOURCE, { input }, admin));
    ok(await t.gql(UPDATE_SOURCE, { name: 'ibr-national', input: { timeoutMs: 4000 } }, admin));

    const disabled = await runCli(['datasources', 'update', '--name', 'ibr-national', '--status', 'disabled'], t.dataDir);
    expect(disabled).toMatchObject({ code: 0 });
    const refused = await runCli(['partners', 'disable', '--sender-id', 'ghost.example.org'], t.dataDir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('NOT_FOUND');

    const user = os.userInfo().username;
    expect(await changesOf({ target: 'data_source' })).toEqual([
      expect.objectContaining({ name: 'ibr-national', action: 'updated', fields: ['status'], by: user, via: 'cli', requestId: null, outcome: 'applied' }),
      expect.objectContaining({ name: 'ibr-national', action: 'updated', fields: ['timeoutMs'], by: 'test-user', via: 'graphql', outcome: 'applied' }),
      expect.objectContaining({ name: 'ibr-national', action: 'created', fields: ['auth', 'baseUrl', 'callbackBase', 'jwksUrl', 'kind', 'name', 'receiverId'], via: 'graphql' }),
    ]);
    expect(JSON.stringify(await t.gateway.models.ConfigChange.find().lean())).not.toContain(SOURCE_TOKEN);

    // audit changes: NDJSON, oldest first, filtered like the GraphQL field.
    const printed = await runCli(['audit', 'changes', '--target', 'data_source'], t.dataDir);
    expect(printed).toMatchObject({ code: 0 });
    const lines = printed.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((c) => [c.action, c.via, c.outcome])).toEqual([
      ['created', 'graphql', 'applied'],
      ['updated', 'graphql', 'applied'],
      ['updated', 'cli', 'applied'],
    ]);
    expect(lines[0]).toEqual({ id: expect.any(String), target: 'data_source', name: 'ibr-national', action: 'created', fields: ['auth', 'baseUrl', 'callbackBase', 'jwksUrl', 'kind', 'name', 'receiverId'], by: 'test-user', via: 'graphql', requestId: expect.any(String), outcome: 'applied', refusal: null, at: expect.any(String) });
    const ghost = await runCli(['audit', 'changes', '--name', 'ghost.example.org'], t.dataDir);
    expect(ghost.stdout.trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual([expect.objectContaining({ target: 'partner', action: 'disabled', by: user, via: 'cli', outcome: 'refused', refusal: 'NOT_FOUND' })]);
    const future = await runCli(['audit', 'changes', '--from', '2999-01-01'], t.dataDir);
    expect(future).toMatchObject({ code: 0, stdout: '' });
    const backwards = await runCli(['audit', 'changes', '--from', '2026-12-02', '--to', '2026-12-01'], t.dataDir);
    expect(backwards.code).not.toBe(0);
    expect(backwards.stderr).toContain('--to must be later than --from');
  }, 120_000);

  it('leaves a change whose outcome is unknown pending, and records nothing it was not asked to', async () => {
    const deps = { models: t.gateway.models, log: createLogger('silent') };
    const lost = new Error('connection to the engine lost');
    await expect(recordChange(deps, { by: 'ops', via: 'cli' }, { target: 'partner', name: 'lost.example.org', action: 'updated', input: { displayName: 'x', jwksUrl: undefined } }, () => Promise.reject(lost))).rejects.toBe(lost);
    expect(await changesOf({ name: 'lost.example.org' })).toEqual([expect.objectContaining({ action: 'updated', fields: ['displayName'], by: 'ops', outcome: 'pending', refusal: null })]);
  });

  it('is read with audit:read only, and refuses a bad page or range', async () => {
    expect(codes(await t.gql(CHANGES, {}, admin))).toEqual(['FORBIDDEN']);
    expect(codes(await t.gql(CHANGES, {}, null))).toEqual(['UNAUTHENTICATED']);
    expect(onlyError(await t.gql(CHANGES, { first: 501 }, auditor)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    expect(onlyError(await t.gql(CHANGES, { filter: { from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' } }, auditor)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.to' });
    expect(codes(await t.gql(CHANGES, { filter: { target: 'programme' } }, auditor))).toEqual(['BAD_USER_INPUT']);
  });
});
