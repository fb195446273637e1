/**
 * Callbacks and notifications authenticate at partners' receivers (end to end): a receiver that,
 * like OpenSPP's, OpenG2P's and OpenCRVS's, refuses any POST without a bearer token it knows, and
 * the OAuth2 token endpoint that issues those tokens, both over real HTTP.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dciTransactionStore } from '../../src/jobs/dciTransactions';
import { demoUin, seedRegistry } from '../../src/registry/seed';
import { registerPartner, searchItem, TestPartner } from '../support/dciPartner';
import { ok, startTestGateway, TestGateway } from '../support/gateway';
import { Receiver, startReceiver } from '../support/receiver';

jest.setTimeout(60_000);

const STATIC_TOKEN = 'static-callback-token';
const CLIENT = { id: 'gateway-at-partner', secret: 'partner-issued-secret' };

interface Delivery {
  path: string;
  authorization: string | undefined;
  body: any;
  answeredWith: number;
}

interface ProtectedReceiver {
  url: string;
  tokenUrl: string;
  deliveries: Delivery[];
  tokenRequests: URLSearchParams[];
  /** Forgets every token issued so far, as a partner does when its signing key changes. */
  revokeIssued(): void;
  close(): Promise<void>;
}

async function startProtectedReceiver(): Promise<ProtectedReceiver> {
  const issued = new Set<string>();
  const deliveries: Delivery[] = [];
  const tokenRequests: URLSearchParams[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/oauth2/token') {
        const form = new URLSearchParams(raw);
        tokenRequests.push(form);
        const token = `issued-${tokenRequests.length}`;
        const known = form.get('client_id') === CLIENT.id && form.get('client_secret') === CLIENT.secret;
        if (known) issued.add(token);
        reply(known ? 200 : 401, known ? { access_token: token, token_type: 'bearer', expires_in: '3600' } : { error: 'invalid_client' });
        return;
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const status = token === STATIC_TOKEN || (token && issued.has(token)) ? 200 : 401;
      deliveries.push({ path: req.url ?? '/', authorization: req.headers.authorization, body: JSON.parse(raw), answeredWith: status });
      reply(status, { message: { ack_status: status === 200 ? 'ACK' : 'ERR', timestamp: new Date().toISOString(), correlation_id: 'c' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    tokenUrl: `${url}/oauth2/token`,
    deliveries,
    tokenRequests,
    revokeIssued: () => issued.clear(),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Polls `probe` until it returns something truthy. */
async function eventually<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const UPDATE = `mutation ($senderId: String!, $input: UpdatePartnerInput!) {
  updatePartner(senderId: $senderId, input: $input) { callbackAuth { type tokenUrl clientId scope credentialLocation } } }`;

describe('callback credentials on callbacks and notifications (end to end)', () => {
  const SEED = 11;
  let t: TestGateway;
  let receiver: ProtectedReceiver;
  let openReceiver: Receiver;
  let bearerPartner: TestPartner;
  let oauthPartner: TestPartner;
  /** Each partner's callback base at the receiver. */
  const bases = new Map<TestPartner, string>();
  let admin: string;

  beforeAll(async () => {
    t = await startTestGateway();
    receiver = await startProtectedReceiver();
    openReceiver = await startReceiver();
    await seedRegistry(t.gateway.models, { individuals: 150, seed: SEED });
    admin = await t.token(['partners:admin']);
    bearerPartner = await register('bearer.cb.example.org', `${receiver.url}/bearer/dci`);
    oauthPartner = await register('oauth.cb.example.org', `${receiver.url}/oauth/dci`);
    ok(await t.gql(UPDATE, { senderId: bearerPartner.senderId, input: { callbackAuth: { type: 'bearer', token: STATIC_TOKEN } } }, admin));
    const oauth = { type: 'oauth2', tokenUrl: receiver.tokenUrl, clientId: CLIENT.id, clientSecret: CLIENT.secret, scope: 'registry.on-search registry.notify' };
    const updated = ok(await t.gql(UPDATE, { senderId: oauthPartner.senderId, input: { callbackAuth: oauth } }, admin)).updatePartner;
    expect(updated.callbackAuth).toEqual({ type: 'oauth2', tokenUrl: receiver.tokenUrl, clientId: CLIENT.id, scope: oauth.scope, credentialLocation: 'body' });
  });
  afterAll(async () => {
    await openReceiver?.close();
    await receiver?.close();
    await t?.stop();
  });

  async function register(senderId: string, callbackBase: string) {
    const partner = await registerPartner(t.gateway, { senderId, callbackBase });
    bases.set(partner, callbackBase);
    return partner;
  }
  const asyncSearch = async (partner: TestPartner, transactionId: string) => {
    const item = searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: demoUin(SEED, 3) }, response_entity: 'Member' });
    const res = await partner.send('/registry/search', 'search', { transaction_id: transactionId, search_request: [item] }, { senderUri: `${bases.get(partner)}/registry/on-search` });
    expect(res.status).toBe(202);
  };
  const deliveriesOf = (transactionId: string) => receiver.deliveries.filter((d) => d.body.message?.transaction_id === transactionId);
  const accepted = (transactionId: string) => eventually(() => deliveriesOf(transactionId).find((d) => d.answeredWith === 200), `the callback of ${transactionId}`);

  it('sends the static bearer token with the async search callback', async () => {
    await asyncSearch(bearerPartner, 'bearer-search-1');
    const callback = await accepted('bearer-search-1');
    expect(callback).toMatchObject({ path: '/bearer/dci/registry/on-search', authorization: `Bearer ${STATIC_TOKEN}` });
    expect(deliveriesOf('bearer-search-1')).toHaveLength(1);
  });

  it('fetches an OAuth2 token once and sends it with every callback while it is valid', async () => {
    await asyncSearch(oauthPartner, 'oauth-search-1');
    await asyncSearch(oauthPartner, 'oauth-search-2');
    const first = await accepted('oauth-search-1');
    const second = await accepted('oauth-search-2');
    expect(first.authorization).toBe('Bearer issued-1');
    expect(second.authorization).toBe('Bearer issued-1');
    expect(receiver.tokenRequests).toHaveLength(1);
    expect(Object.fromEntries(receiver.tokenRequests[0])).toEqual({
      grant_type: 'client_credentials',
      client_id: CLIENT.id,
      client_secret: CLIENT.secret,
      scope: 'registry.on-search registry.notify',
    });
  });

  it('sends each subscriber its own credentials with subscribe callbacks and notifications', async () => {
    const writer = await t.token(['registry:read', 'registry:write', 'registry:pii']);
    const living = ok(await t.gql(`query { individuals(filter: { status: active, identifierType: "UIN" }, first: 1) { edges { node { id identifiers { type value } } } } }`, {}, writer));
    const person = living.individuals.edges[0].node;
    const uin = person.identifiers.find((i: { type: string }) => i.type === 'UIN').value;

    // A subscription to this one person's death.
    const subscribe = async (partner: TestPartner, transactionId: string) => {
      const criteria = { reg_event_type: 'Death', filter_type: 'idtype-value', filter: { type: 'UIN', value: uin }, notify_record_type: 'Member' };
      const request = { reference_id: `ref-${transactionId}`, timestamp: new Date().toISOString(), subscribe_criteria: criteria };
      const senderUri = `${bases.get(partner)}/registry/on-subscribe`;
      expect((await partner.send('/registry/subscribe', 'subscribe', { transaction_id: transactionId, subscribe_request: [request] }, { senderUri })).status).toBe(202);
      const callback = await accepted(transactionId);
      expect(callback.body.message.subscribe_response[0].status).toBe('succ');
      return { callback, code: callback.body.message.subscribe_response[0].subscriptions[0].code as string };
    };
    const bearer = await subscribe(bearerPartner, 'bearer-subscribe');
    const oauth = await subscribe(oauthPartner, 'oauth-subscribe');
    expect(bearer.callback.authorization).toBe(`Bearer ${STATIC_TOKEN}`);
    expect(oauth.callback.authorization).toBe('Bearer issued-1');

    ok(await t.gql(`mutation($id: ID!, $d: Date!) { recordDeath(id: $id, deathDate: $d) { id } }`, { id: person.id, d: new Date().toISOString().slice(0, 10) }, writer));
    const notifyOf = (code: string) => () => receiver.deliveries.find((d) => d.path.endsWith('/registry/notify') && d.body.message?.notify_event?.[0]?.reference_id === code);
    const bearerNotify = await eventually(notifyOf(bearer.code), 'the notification to the bearer partner');
    const oauthNotify = await eventually(notifyOf(oauth.code), 'the notification to the OAuth2 partner');
    expect(bearerNotify).toMatchObject({ path: '/bearer/dci/registry/notify', authorization: `Bearer ${STATIC_TOKEN}`, answeredWith: 200 });
    expect(oauthNotify).toMatchObject({ path: '/oauth/dci/registry/notify', authorization: 'Bearer issued-1', answeredWith: 200 });
    expect(receiver.tokenRequests).toHaveLength(1);
  });

  it('fetches a new token when the partner refuses the cached one, and delivers the callback once', async () => {
    receiver.revokeIssued();
    await asyncSearch(oauthPartner, 'oauth-search-3');
    await accepted('oauth-search-3');
    const transactions = dciTransactionStore(t.gateway.store.connection);
    const stored = await eventually(async () => {
      const found = await transactions.find(oauthPartner.senderId, { attribute: 'transaction_id', value: 'oauth-search-3' });
      return found.find((txn) => txn.delivery.state === 'delivered');
    }, 'the delivery to be recorded');
    // Refreshed and resent within the same delivery attempt, not by the job's backoff.
    expect(stored.delivery.attempts).toBe(1);
    expect(deliveriesOf('oauth-search-3').map((d) => [d.answeredWith, d.authorization])).toEqual([
      [401, 'Bearer issued-1'],
      [200, 'Bearer issued-2'],
    ]);
    expect(receiver.tokenRequests).toHaveLength(2);
  });

  it('sends no Authorization header to a partner without callback credentials', async () => {
    const open = await register('open.cb.example.org', `${openReceiver.url}/dci`);
    await asyncSearch(open, 'open-search-1');
    const callback = await openReceiver.waitFor((r) => r.body?.message?.transaction_id === 'open-search-1', 20_000);
    expect(callback.answeredWith).toBe(200);
    expect(callback.headers).not.toHaveProperty('authorization');
  });
});
