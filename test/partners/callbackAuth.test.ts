/**
 * A partner's callback credentials as an administrator manages them: over GraphQL and with
 * `dci-gateway partners add`. Secrets go in, are stored sealed, and never come out.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SecretBox } from '../../src/dataSources/secretBox';
import { createLogger } from '../../src/log';
import { callbackCredentials } from '../../src/partners/callbackAuth';
import { findBySenderId } from '../../src/partners/service';
import { openStore } from '../../src/store/connection';
import { registryModels, RegistryModels } from '../../src/store/models';
import { runCli } from '../support/cli';
import { ok, onlyError, startTestGateway, TestGateway } from '../support/gateway';
import { ed25519Jwk } from './fixtures';

const AUTH_FIELDS = 'callbackAuth { type tokenUrl clientId scope credentialLocation }';
const CREATE = `mutation ($input: CreatePartnerInput!) { createPartner(input: $input) { partner { senderId ${AUTH_FIELDS} } clientId } }`;
const UPDATE = `mutation ($senderId: String!, $input: UpdatePartnerInput!) { updatePartner(senderId: $senderId, input: $input) { ${AUTH_FIELDS} } }`;
const ONE = `query ($senderId: String!) { partner(senderId: $senderId) { ${AUTH_FIELDS} } }`;

const TOKEN = 'static-token-the-partner-gave-us';
const CLIENT_SECRET = 'client-secret-the-partner-gave-us';
const NO_AUTH = { type: 'none', tokenUrl: null, clientId: null, scope: null, credentialLocation: null };

describe('partner callback credentials over GraphQL', () => {
  let t: TestGateway;
  let admin: string;
  const input = (senderId: string, callbackAuth?: Record<string, unknown>) => ({
    senderId,
    jwksUrl: `https://${senderId}/.well-known/jwks.json`,
    callbackBase: `https://${senderId}/dci`,
    ...(callbackAuth && { callbackAuth }),
  });
  const stored = (senderId: string) => t.gateway.models.Partner.collection.findOne({ senderId });

  beforeAll(async () => {
    t = await startTestGateway();
    admin = await t.token(['partners:admin']);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('sends no credentials unless configured', async () => {
    const created = ok(await t.gql(CREATE, { input: input('plain.example.org') }, admin)).createPartner;
    expect(created.partner.callbackAuth).toEqual(NO_AUTH);
  });

  it('stores a static bearer token sealed and never shows it', async () => {
    const res = await t.gql(CREATE, { input: input('spp.example.org', { type: 'bearer', token: TOKEN }) }, admin);
    expect(ok(res).createPartner.partner.callbackAuth).toEqual({ ...NO_AUTH, type: 'bearer' });
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
    const raw = await stored('spp.example.org');
    expect(raw!.callbackAuth).toEqual({ type: 'bearer', sealedToken: expect.stringMatching(/^v1\./) });
    expect(JSON.stringify(raw)).not.toContain(TOKEN);
  });

  it('stores OAuth2 client credentials with the secret sealed, and shows all but the secret', async () => {
    const oauth = { type: 'oauth2', tokenUrl: 'https://g2p.example.org/oauth2/client/token', clientId: 'dci-gateway', clientSecret: CLIENT_SECRET, scope: 'registry.notify', credentialLocation: 'basic' };
    const res = await t.gql(CREATE, { input: input('g2p.example.org', oauth) }, admin);
    const { clientSecret: _secret, ...visible } = oauth;
    expect(ok(res).createPartner.partner.callbackAuth).toEqual(visible);
    expect(ok(await t.gql(ONE, { senderId: 'g2p.example.org' }, admin)).partner.callbackAuth).toEqual(visible);
    expect(JSON.stringify(res.body)).not.toContain(CLIENT_SECRET);
    const raw = await stored('g2p.example.org');
    expect(raw!.callbackAuth).toEqual({ ...visible, sealedClientSecret: expect.stringMatching(/^v1\./) });
    expect(JSON.stringify(raw)).not.toContain(CLIENT_SECRET);
  });

  it('has no field that could show a secret', async () => {
    const res = await t.gql(`query { partners { callbackAuth { token clientSecret } } }`, {}, admin);
    expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_VALIDATION_FAILED']);
  });

  it('replaces the credentials on update, and removes them with type none', async () => {
    const updated = ok(await t.gql(UPDATE, { senderId: 'spp.example.org', input: { callbackAuth: { type: 'oauth2', tokenUrl: 'https://spp.example.org/token', clientId: 'gw', clientSecret: CLIENT_SECRET } } }, admin));
    expect(updated.updatePartner.callbackAuth).toEqual({ type: 'oauth2', tokenUrl: 'https://spp.example.org/token', clientId: 'gw', scope: null, credentialLocation: 'body' });
    expect((await stored('spp.example.org'))!.callbackAuth).not.toHaveProperty('sealedToken');

    expect(ok(await t.gql(UPDATE, { senderId: 'spp.example.org', input: { callbackAuth: { type: 'none' } } }, admin)).updatePartner.callbackAuth).toEqual(NO_AUTH);
    expect((await stored('spp.example.org'))!.callbackAuth).toEqual({ type: 'none' });
  });

  it.each([
    [{ type: 'bearer' }, 'callbackAuth.token'],
    [{ type: 'bearer', token: '  ' }, 'callbackAuth.token'],
    [{ type: 'oauth2', tokenUrl: 'http://partner.example.org/token', clientId: 'gw', clientSecret: 's' }, 'callbackAuth.tokenUrl'],
    [{ type: 'oauth2', tokenUrl: 'https://partner.example.org/token', clientSecret: 's' }, 'callbackAuth.clientId'],
    [{ type: 'oauth2', tokenUrl: 'https://partner.example.org/token', clientId: 'gw' }, 'callbackAuth.clientSecret'],
    // A field of another type is refused, not dropped: the caller meant something else.
    [{ type: 'none', token: 't' }, 'callbackAuth.token'],
    [{ type: 'bearer', token: 't', credentialLocation: 'basic' }, 'callbackAuth.credentialLocation'],
    [{ type: 'oauth2', tokenUrl: 'https://partner.example.org/token', clientId: 'gw', clientSecret: 's', token: 't' }, 'callbackAuth.token'],
  ])('refuses %j with BAD_USER_INPUT naming %s', async (callbackAuth, field) => {
    const created = await t.gql(CREATE, { input: input('refused.example.org', callbackAuth) }, admin);
    expect(onlyError(created).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    const updated = await t.gql(UPDATE, { senderId: 'plain.example.org', input: { callbackAuth } }, admin);
    expect(onlyError(updated).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await stored('refused.example.org')).toBeNull();
  });
});

describe('dci-gateway partners add --callback-auth', () => {
  let dataDir: string;
  let jwkFile: string;
  const add = (senderId: string, ...flags: string[]) =>
    runCli(['partners', 'add', '--sender-id', senderId, '--jwk-file', jwkFile, '--callback-base', `https://${senderId}/dci`, ...flags], dataDir);

  async function inStore<T>(work: (models: RegistryModels) => Promise<T>): Promise<T> {
    const store = await openStore({ dataDir, log: createLogger('silent') });
    try {
      return await work(registryModels(store.connection));
    } finally {
      await store.close();
    }
  }
  const stored = (senderId: string) => inStore((models) => models.Partner.collection.findOne({ senderId }));
  /** The token our callbacks to the partner would carry, opened with the key in DATA_DIR. */
  const callbackToken = (senderId: string) => inStore(async (models) => callbackCredentials(SecretBox.open(dataDir))((await findBySenderId(models, senderId))!).token());

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-callback-auth-cli-'));
    jwkFile = path.join(dataDir, 'partner.jwk.json');
    fs.writeFileSync(jwkFile, JSON.stringify(ed25519Jwk('k1')));
    process.env.TEST_CALLBACK_TOKEN = TOKEN;
  });
  afterAll(() => {
    delete process.env.TEST_CALLBACK_TOKEN;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('takes a static token from an environment variable and stores it sealed', async () => {
    const run = await add('spp.example.org', '--callback-auth', 'bearer', '--callback-token-env', 'TEST_CALLBACK_TOKEN');
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
    const raw = await stored('spp.example.org');
    expect(raw!.callbackAuth).toEqual({ type: 'bearer', sealedToken: expect.stringMatching(/^v1\./) });
    expect(JSON.stringify(raw)).not.toContain(TOKEN);
    expect(await callbackToken('spp.example.org')).toBe(TOKEN);
  }, 120_000);

  it('takes OAuth2 client credentials, the secret from an environment variable, and lists them without it', async () => {
    const run = await add(
      'g2p.example.org',
      ...['--callback-auth', 'oauth2', '--callback-token-url', 'https://g2p.example.org/oauth2/client/token', '--callback-client-id', 'dci-gateway'],
      ...['--callback-client-secret-env', 'TEST_CALLBACK_TOKEN', '--callback-scope', 'registry.notify', '--callback-credential-location', 'basic'],
    );
    expect(run).toMatchObject({ code: 0 });
    const g2p = await stored('g2p.example.org');
    expect(g2p!.callbackAuth).toEqual({
      type: 'oauth2',
      tokenUrl: 'https://g2p.example.org/oauth2/client/token',
      clientId: 'dci-gateway',
      sealedClientSecret: expect.stringMatching(/^v1\./),
      scope: 'registry.notify',
      credentialLocation: 'basic',
    });
    expect(JSON.stringify(g2p)).not.toContain(TOKEN);

    const listed = await runCli(['partners', 'list'], dataDir);
    expect(listed).toMatchObject({ code: 0 });
    expect(JSON.parse(listed.stdout).map((p: { callbackAuth: unknown }) => p.callbackAuth)).toEqual([
      { type: 'oauth2', tokenUrl: 'https://g2p.example.org/oauth2/client/token', clientId: 'dci-gateway', scope: 'registry.notify', credentialLocation: 'basic' },
      { type: 'bearer' },
    ]);
    expect(listed.stdout).not.toMatch(/secret|sealed/i);
  }, 120_000);

  it('refuses a missing secret with a clear error, and registers nothing', async () => {
    const unset = await add('unset.example.org', '--callback-auth', 'bearer', '--callback-token-env', 'TEST_UNSET_VARIABLE');
    expect(unset.code).toBe(1);
    expect(unset.stderr).toContain('--callback-token-env: environment variable TEST_UNSET_VARIABLE is not set');
    const missing = await add('missing.example.org', '--callback-auth', 'oauth2', '--callback-token-url', 'https://missing.example.org/token', '--callback-client-id', 'gw');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('BAD_USER_INPUT: callbackAuth.clientSecret: is required');
    expect(await stored('missing.example.org')).toBeNull();
  }, 120_000);

  it('refuses a detail of another type, or without a type, instead of dropping it, and registers nothing', async () => {
    const foreign = await add('foreign.example.org', '--callback-auth', 'bearer', '--callback-token-env', 'TEST_CALLBACK_TOKEN', '--callback-credential-location', 'basic');
    expect(foreign).toMatchObject({ code: 1, stdout: '' });
    expect(foreign.stderr).toContain('--callback-credential-location is a detail of --callback-auth oauth2, not of bearer');
    const untyped = await add('untyped.example.org', '--callback-token-env', 'TEST_CALLBACK_TOKEN');
    expect(untyped).toMatchObject({ code: 1, stdout: '' });
    expect(untyped.stderr).toContain('--callback-token-env replaces the credentials as a whole: give --callback-auth with it');
    expect(await stored('foreign.example.org')).toBeNull();
    expect(await stored('untyped.example.org')).toBeNull();
  }, 120_000);

  it('records as given only the options given: the callback type and --pii left at their defaults are not', async () => {
    expect(await add('defaults.example.org')).toMatchObject({ code: 0 });
    const partner = await stored('defaults.example.org');
    expect(partner).toMatchObject({ callbackAuth: { type: 'none' }, disclosure: expect.objectContaining({ names: 'masked', identifiers: 'masked' }) });
    const changes = await runCli(['audit', 'changes', '--target', 'partner', '--name', 'defaults.example.org'], dataDir);
    expect(changes).toMatchObject({ code: 0 });
    expect(JSON.parse(changes.stdout)).toMatchObject({ action: 'created', fields: ['callbackBase', 'publicKeys', 'senderId'], via: 'cli', outcome: 'applied' });
  }, 120_000);

  it('partners update --callback-auth replaces the credentials as a whole; its details alone are refused', async () => {
    const partial = await runCli(['partners', 'update', '--sender-id', 'spp.example.org', '--callback-client-id', 'gw'], dataDir);
    expect(partial).toMatchObject({ code: 1, stdout: '' });
    expect(partial.stderr).toContain('--callback-client-id replaces the credentials as a whole: give --callback-auth with it');
    const bearer = await stored('spp.example.org');

    const oauth2 = ['--callback-auth', 'oauth2', '--callback-token-url', 'https://spp.example.org/token', '--callback-client-id', 'gw', '--callback-client-secret-env', 'TEST_CALLBACK_TOKEN'];
    const updated = await runCli(['partners', 'update', '--sender-id', 'spp.example.org', ...oauth2], dataDir);
    expect(updated).toMatchObject({ code: 0 });
    expect(updated.stdout + updated.stderr).not.toContain(TOKEN);
    expect(JSON.parse(updated.stdout).callbackAuth).toEqual({ type: 'oauth2', tokenUrl: 'https://spp.example.org/token', clientId: 'gw', credentialLocation: 'body' });
    const raw = await stored('spp.example.org');
    expect(raw!.callbackAuth).toMatchObject({ type: 'oauth2', sealedClientSecret: expect.stringMatching(/^v1\./) });
    expect(raw!.callbackAuth.sealedToken).toBeUndefined();
    expect(bearer!.updatedAt).not.toEqual(raw!.updatedAt);

    const removed = await runCli(['partners', 'update', '--sender-id', 'spp.example.org', '--callback-auth', 'none'], dataDir);
    expect(JSON.parse(removed.stdout).callbackAuth).toEqual({ type: 'none' });
  }, 120_000);
});
