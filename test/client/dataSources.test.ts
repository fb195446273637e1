/** Data-source administration over GraphQL and the clients built from it, against the real gateway and the sandbox. */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { dataSourceModel } from '../../src/store/models/dataSource';
import { wireDataSources, DataSourceClients } from '../../src/dataSources/wiring';
import { createLogger } from '../../src/log';
import { GatewayError } from '../../src/errors';
import { runCli } from '../support/cli';
import { codes, ok } from '../support/gateway';
import { byBrn, FAST_RETRY, startWorld, World } from './world';

const FIELDS = `name kind baseUrl auth { type tokenUrl clientId scope credentialLocation } senderId callbackBase receiverId jwksUrl
  signingProfile timeoutMs rateLimitPerMinute maxItemsPerEnvelope breakerCoolDownSeconds status quirks { locale lowerCaseEventTypes consent { purposeCode } }`;
const CREATE = `mutation ($input: CreateDataSourceInput!) { createDataSource(input: $input) { ${FIELDS} } }`;
const LIST = `{ dataSources { ${FIELDS} } }`;
const DISABLE = `mutation ($name: String!) { disableDataSource(name: $name) { name status } }`;
const UPDATE = `mutation ($name: String!, $input: UpdateDataSourceInput!) { updateDataSource(name: $name, input: $input) { ${FIELDS} } }`;

describe('data sources', () => {
  let w: World;
  let clients: DataSourceClients;
  let admin: string;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-data-sources-'));
  beforeAll(async () => {
    w = await startWorld();
    clients = wireDataSources({
      config: { dataDir, dciSenderId: 'dci-gateway' },
      connection: w.t.gateway.store.connection,
      models: w.t.gateway.models,
      dci: w.t.gateway.dci,
      log: createLogger('silent'),
      clientOptions: { retry: FAST_RETRY },
    });
    admin = await w.t.token(['partners:admin']);
  });
  afterAll(async () => {
    await w?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const input = () => ({
    name: 'crvs-sandbox',
    kind: 'crvs',
    baseUrl: w.sandbox.registries.crvs.baseUrl,
    auth: { type: 'oauth2', tokenUrl: w.sandbox.oauth.tokenUrl, clientId: w.sandbox.oauth.clientId, clientSecret: w.sandbox.oauth.clientSecret },
    callbackBase: `${w.t.url}/dci`,
    receiverId: w.sandbox.registries.crvs.senderId,
    jwksUrl: w.sandbox.registries.crvs.jwksUrl,
    quirks: { locale: 'eng', lowerCaseEventTypes: true, consent: { purposeText: 'Eligibility', purposeCode: 'CG' } },
  });

  it('is created by an admin, stores its secret sealed, and never shows it', async () => {
    const created = ok(await w.t.gql(CREATE, { input: input() }, admin)).createDataSource;
    expect(created).toMatchObject({
      name: 'crvs-sandbox',
      kind: 'crvs',
      auth: { type: 'oauth2', clientId: w.sandbox.oauth.clientId, credentialLocation: 'body' },
      senderId: 'dci-gateway',
      signingProfile: 'default',
      timeoutMs: 10000,
      rateLimitPerMinute: 600,
      maxItemsPerEnvelope: 50,
      breakerCoolDownSeconds: 30,
      status: 'active',
      quirks: { locale: 'eng', lowerCaseEventTypes: true, consent: { purposeCode: 'CG' } },
    });
    const listed = ok(await w.t.gql(LIST, {}, admin)).dataSources;
    expect(JSON.stringify(listed)).not.toContain(w.sandbox.oauth.clientSecret);
    const stored = await dataSourceModel(w.t.gateway.store.connection).findOne({ name: 'crvs-sandbox' }).lean();
    expect(JSON.stringify(stored)).not.toContain(w.sandbox.oauth.clientSecret);
    expect(stored!.auth.sealedClientSecret).toMatch(/^v1\./);
  });

  it('refuses non-admins, duplicates, and a signed profile without keys', async () => {
    const reader = await w.t.token(['registry:read']);
    expect(codes(await w.t.gql(LIST, {}, reader))).toEqual(['FORBIDDEN']);
    expect(codes(await w.t.gql(CREATE, { input: input() }, admin))).toEqual(['CONFLICT']);
    const { jwksUrl: _none, ...keyless } = { ...input(), name: 'keyless' };
    expect(codes(await w.t.gql(CREATE, { input: keyless }, admin))).toEqual(['BAD_USER_INPUT']);
  });

  it("takes the circuit breaker's cool-down from the data source: 1 to 3600 seconds, 30 when stored before it could be set", async () => {
    for (const breakerCoolDownSeconds of [0, 3601]) {
      const res = await w.t.gql(CREATE, { input: { ...input(), name: 'cool', breakerCoolDownSeconds } }, admin);
      expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'breakerCoolDownSeconds' } });
    }
    expect(ok(await w.t.gql(CREATE, { input: { ...input(), name: 'cool', breakerCoolDownSeconds: 5 } }, admin)).createDataSource.breakerCoolDownSeconds).toBe(5);
    expect((await clients.client('cool')).source.breakerCoolDownMs).toBe(5000);

    const DataSource = dataSourceModel(w.t.gateway.store.connection);
    await DataSource.updateOne({ name: 'cool' }, { $unset: { breakerCoolDownSeconds: 1 }, $set: { updatedAt: new Date() } });
    expect((await clients.client('cool')).source.breakerCoolDownMs).toBe(30_000);
    expect(ok(await w.t.gql(`{ dataSource(name: "cool") { breakerCoolDownSeconds } }`, {}, admin)).dataSource.breakerCoolDownSeconds).toBe(30);
  });

  it('datasources add --breaker-cool-down sets it from the CLI (on the running gateway\'s engine); 0 is refused before anything is stored', async () => {
    const dr = w.sandbox.registries.dr;
    const args = ['datasources', 'add', '--name', 'cli-dr', '--kind', 'dr', '--base-url', dr.baseUrl, '--receiver-id', dr.senderId, '--callback-base', `${w.t.url}/dci`, '--jwks-url', dr.jwksUrl];
    const refused = await runCli([...args, '--breaker-cool-down', '0'], w.t.dataDir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--breaker-cool-down');
    // Options that would be dropped are refused: a consent code without its purpose, a detail of another credential type.
    const codeAlone = await runCli([...args, '--consent-code', 'CG'], w.t.dataDir);
    expect(codeAlone).toMatchObject({ code: 1, stdout: '' });
    expect(codeAlone.stderr).toContain('BAD_USER_INPUT: --consent-purpose: is needed too: the data source has no consent block yet');
    const foreign = await runCli([...args, '--auth', 'none', '--client-id', 'gw'], w.t.dataDir);
    expect(foreign).toMatchObject({ code: 1, stdout: '' });
    expect(foreign.stderr).toContain('--client-id is a detail of --auth oauth2, not of none');
    const added = await runCli([...args, '--breaker-cool-down', '7'], w.t.dataDir);
    expect(added).toMatchObject({ code: 0 });
    expect(JSON.parse(added.stdout)).toMatchObject({ name: 'cli-dr', kind: 'dr', breakerCoolDownSeconds: 7, auth: { type: 'none' }, quirks: { lowerCaseEventTypes: false } });
    expect(ok(await w.t.gql(`{ dataSource(name: "cli-dr") { breakerCoolDownSeconds } }`, {}, admin)).dataSource.breakerCoolDownSeconds).toBe(7);
    // The audit records the options given, not the credentials and quirks left at their defaults.
    const changes = await runCli(['audit', 'changes', '--target', 'data_source', '--name', 'cli-dr'], w.t.dataDir);
    expect(JSON.parse(changes.stdout)).toMatchObject({
      action: 'created',
      fields: ['baseUrl', 'breakerCoolDownSeconds', 'callbackBase', 'jwksUrl', 'kind', 'name', 'receiverId'],
      outcome: 'applied',
    });
  });

  it('is tuned by an admin (updateDataSource, datasources update): only the settings given, for the next call on', async () => {
    const before = ok(await w.t.gql(`{ dataSource(name: "cool") { ${FIELDS} } }`, {}, admin)).dataSource;
    const tuned = ok(await w.t.gql(UPDATE, { name: 'cool', input: { breakerCoolDownSeconds: 9, timeoutMs: 2000 } }, admin)).updateDataSource;
    expect(tuned).toEqual({ ...before, breakerCoolDownSeconds: 9, timeoutMs: 2000 });
    expect((await clients.client('cool')).source).toMatchObject({ breakerCoolDownMs: 9000, timeoutMs: 2000 });

    const refusal = async (name: string, input: Record<string, unknown>, token = admin) => (await w.t.gql(UPDATE, { name, input }, token)).body.errors?.[0]?.extensions;
    expect(await refusal('cool', {})).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input' });
    expect(await refusal('cool', { timeoutMs: 5000, breakerCoolDownSeconds: 0 })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'breakerCoolDownSeconds' });
    expect((await w.t.gql(UPDATE, { name: 'nope', input: { timeoutMs: 5000 } }, admin)).body.errors?.[0]).toMatchObject({ message: 'data source nope not found', extensions: { code: 'NOT_FOUND' } });
    expect(await refusal('cool', { timeoutMs: 5000 }, await w.t.token(['registry:read']))).toMatchObject({ code: 'FORBIDDEN' });
    expect(ok(await w.t.gql(`{ dataSource(name: "cool") { timeoutMs breakerCoolDownSeconds } }`, {}, admin)).dataSource).toEqual({ timeoutMs: 2000, breakerCoolDownSeconds: 9 });

    const empty = await runCli(['datasources', 'update', '--name', 'cli-dr'], w.t.dataDir);
    expect(empty).toMatchObject({ code: 1, stdout: '' });
    expect(empty.stderr).toContain('datasources update: give at least one option to change besides --name');
    const updated = await runCli(['datasources', 'update', '--name', 'cli-dr', '--breaker-cool-down', '11', '--max-items', '20'], w.t.dataDir);
    expect(updated).toMatchObject({ code: 0 });
    expect(JSON.parse(updated.stdout)).toMatchObject({ name: 'cli-dr', breakerCoolDownSeconds: 11, maxItemsPerEnvelope: 20, timeoutMs: 10000 });
  });

  it('follows its registry to a new address and new credentials, and is disabled and enabled again (updateDataSource)', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const real = input();
    const stale = { ...real, name: 'moving', baseUrl: `http://127.0.0.1:${closedPort}/crvs`, auth: { ...real.auth, clientSecret: 'an-old-secret' } };
    ok(await w.t.gql(CREATE, { input: stale }, admin));
    const birth = byBrn(w.sandbox.data.births[1].brn);
    await expect((await clients.client('moving')).search([birth])).rejects.toBeInstanceOf(GatewayError);

    const moved = ok(await w.t.gql(UPDATE, { name: 'moving', input: { baseUrl: `${real.baseUrl}/`, auth: real.auth } }, admin)).updateDataSource;
    expect(moved).toMatchObject({ baseUrl: real.baseUrl, auth: { type: 'oauth2', clientId: real.auth.clientId, credentialLocation: 'body' }, quirks: { locale: 'eng' }, status: 'active' });
    const stored = await dataSourceModel(w.t.gateway.store.connection).findOne({ name: 'moving' }).lean();
    expect(JSON.stringify(stored)).not.toContain(real.auth.clientSecret);
    expect((await (await clients.client('moving')).search([birth]))[0]).toMatchObject({ status: 'succ' });

    ok(await w.t.gql(DISABLE, { name: 'moving' }, admin));
    await expect(clients.client('moving')).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'DISABLED' } });
    expect(ok(await w.t.gql(UPDATE, { name: 'moving', input: { status: 'active' } }, admin)).updateDataSource.status).toBe('active');
    expect((await (await clients.client('moving')).search([birth]))[0]).toMatchObject({ status: 'succ' });
  });

  it('refuses an update that would leave the data source unusable, and changes nothing then', async () => {
    const before = ok(await w.t.gql(`{ dataSource(name: "moving") { ${FIELDS} } }`, {}, admin)).dataSource;
    const refusal = async (input: Record<string, unknown>) => (await w.t.gql(UPDATE, { name: 'moving', input }, admin)).body.errors?.[0]?.extensions;
    // Its replies are verified with the JWKS: without it, and without pinned keys, nothing could verify them.
    expect(await refusal({ jwksUrl: null, timeoutMs: 3000 })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'publicKeys' });
    expect(await refusal({ encryptionPolicy: 'required' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'encryptionKey' });
    expect(await refusal({ baseUrl: 'http://registry.example.org/dci' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'baseUrl' });
    expect(await refusal({ status: 'retired' })).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await refusal({ auth: { type: 'bearer' } })).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(ok(await w.t.gql(`{ dataSource(name: "moving") { ${FIELDS} } }`, {}, admin)).dataSource).toEqual(before);

    // Pinned keys instead of the JWKS: then the JWKS may go.
    const jwks = (await (await fetch(w.sandbox.registries.crvs.jwksUrl)).json()) as { keys: { use?: string }[] };
    const pinned = ok(await w.t.gql(UPDATE, { name: 'moving', input: { publicKeys: jwks.keys.filter((k) => k.use !== 'enc'), jwksUrl: null } }, admin)).updateDataSource;
    expect(pinned.jwksUrl).toBeNull();
    expect((await (await clients.client('moving')).search([byBrn(w.sandbox.data.births[2].brn)]))[0]).toMatchObject({ status: 'succ' });
  });

  it('datasources update moves, re-credentials, disables and enables from the CLI, the secret from the environment only', async () => {
    const dr = w.sandbox.registries.dr;
    const run = (args: string[], env: Record<string, string> = {}) => runCli(['datasources', 'update', '--name', 'cli-dr', ...args], w.t.dataDir, env);
    const disabled = await run(['--status', 'disabled']);
    expect(JSON.parse(disabled.stdout)).toMatchObject({ status: 'disabled' });
    const secret = 'the-new-registry-secret';
    const changed = await run(
      ['--status', 'active', '--base-url', `${dr.baseUrl}/`, '--auth', 'oauth2', '--token-url', w.sandbox.oauth.tokenUrl, '--client-id', 'gateway-at-dr', '--client-secret-env', 'DR_SECRET'],
      { DR_SECRET: secret },
    );
    expect(changed).toMatchObject({ code: 0 });
    expect(changed.stdout + changed.stderr).not.toContain(secret);
    expect(JSON.parse(changed.stdout)).toMatchObject({ status: 'active', baseUrl: dr.baseUrl, auth: { type: 'oauth2', clientId: 'gateway-at-dr', tokenUrl: w.sandbox.oauth.tokenUrl } });
    const stored = await dataSourceModel(w.t.gateway.store.connection).findOne({ name: 'cli-dr' }).lean();
    expect(stored!.auth.sealedClientSecret).toMatch(/^v1\./);

    const partial = await run(['--client-id', 'x']);
    expect(partial).toMatchObject({ code: 1, stdout: '' });
    expect(partial.stderr).toContain('--client-id replaces the credentials as a whole: give --auth with it');
    const missing = await run(['--auth', 'oauth2', '--token-url', w.sandbox.oauth.tokenUrl, '--client-id', 'x', '--client-secret-env', 'NOT_SET_ANYWHERE']);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toContain('NOT_SET_ANYWHERE');
  });

  it('datasources update changes the quirks named, each on its own, and keeps the others (even those set over GraphQL only)', async () => {
    const run = (...args: string[]) => runCli(['datasources', 'update', '--name', 'cli-dr', ...args], w.t.dataDir);
    const quirksOf = (printed: { stdout: string }) => JSON.parse(printed.stdout).quirks;

    const codeAlone = await run('--consent-code', 'CG');
    expect(codeAlone).toMatchObject({ code: 1, stdout: '' });
    expect(codeAlone.stderr).toContain('BAD_USER_INPUT: --consent-purpose: is needed too: the data source has no consent block yet');

    expect(quirksOf(await run('--consent-purpose', 'Eligibility', '--consent-code', 'CG', '--locale', 'eng'))).toEqual({ consent: { purposeText: 'Eligibility', purposeCode: 'CG' }, locale: 'eng', lowerCaseEventTypes: false });
    // A reference URI only GraphQL can set survives a CLI change of the code beside it.
    const refUri = 'https://registry.example.org/purposes/cg';
    ok(await w.t.gql(UPDATE, { name: 'cli-dr', input: { quirks: { consent: { purposeText: 'Eligibility', purposeCode: 'CG', purposeRefUri: refUri }, locale: 'eng' } } }, admin));
    expect(quirksOf(await run('--consent-code', 'CG-2', '--lower-case-event-types'))).toEqual({ consent: { purposeText: 'Eligibility', purposeCode: 'CG-2', purposeRefUri: refUri }, locale: 'eng', lowerCaseEventTypes: true });
    expect(quirksOf(await run('--no-locale', '--no-consent'))).toEqual({ lowerCaseEventTypes: true });

    const both = await run('--no-consent', '--consent-purpose', 'x');
    expect(both).toMatchObject({ code: 1, stdout: '' });
    expect(both.stderr).toContain('--no-consent removes the consent block');
    const badLocale = await run('--locale', 'english');
    expect(badLocale.stderr).toContain('BAD_USER_INPUT: quirks.locale: must be an ISO 639-3 code');
    expect(quirksOf(await run('--no-lower-case-event-types'))).toEqual({ lowerCaseEventTypes: false });
    expect(ok(await w.t.gql(`{ dataSource(name: "cli-dr") { quirks { locale lowerCaseEventTypes consent { purposeCode } } } }`, {}, admin)).dataSource.quirks).toEqual({ locale: null, lowerCaseEventTypes: false, consent: null });
  });

  it('gives a working client with the secret opened, and refuses calls once disabled', async () => {
    const client = await clients.client('crvs-sandbox');
    const [answer] = await client.search([byBrn(w.sandbox.data.births[0].brn)]);
    expect(answer).toMatchObject({ status: 'succ', locale: 'eng' });
    expect(await clients.client('crvs-sandbox')).toBe(client);

    ok(await w.t.gql(DISABLE, { name: 'crvs-sandbox' }, admin));
    await expect(clients.client('crvs-sandbox')).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'DISABLED' } });
    await expect(clients.client('nope')).rejects.toBeInstanceOf(GatewayError);
  });
});
