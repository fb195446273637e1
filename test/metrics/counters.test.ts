/**
 * What the counters say after real traffic: GraphQL operations, DCI messages from a partner, our
 * callback to it, and our calls to the sandbox CRVS as a data source. Counters only grow, so each
 * test compares a scrape before and after what it does.
 */
import { demoUin, seedRegistry } from '../../src/registry/seed';
import { byBrn } from '../client/world';
import { waitFor } from '../jobs/support';
import { ok } from '../support/gateway';
import { registerPartner, searchItem, TestPartner } from '../support/dciPartner';
import { LinkedSandbox, startLinkedSandbox } from '../support/linkedSandbox';
import { Receiver, startReceiver } from '../support/receiver';
import { Scrape, scrape } from './scrape';

const SEED = 11;
const CREATE_DATA_SOURCE = `mutation ($input: CreateDataSourceInput!) { createDataSource(input: $input) { name } }`;

describe('metrics after real traffic', () => {
  let linked: LinkedSandbox;
  let receiver: Receiver;
  let partner: TestPartner;
  let operator: string;
  /** Every credential and personal value the traffic used: none may appear in a scrape. */
  const secrets: string[] = [];

  beforeAll(async () => {
    linked = await startLinkedSandbox({ births: 10, deaths: 2 });
    receiver = await startReceiver();
    await seedRegistry(linked.t.gateway.models, { individuals: 20, seed: SEED });
    partner = await registerPartner(linked.t.gateway, { senderId: 'metrics-mis.example.org', callbackBase: `${receiver.url}/dci`, pii: true });
    operator = `Bearer ${await linked.t.token(['metrics:read'])}`;
    secrets.push(partner.senderId, partner.clientId, partner.clientSecret, linked.sandbox.oauth.clientSecret, operator.slice('Bearer '.length));
  });
  afterAll(async () => {
    await receiver?.close();
    await linked?.stop();
  });

  const t = () => linked.t;
  const read = () => scrape(t().url, operator);
  /** The sandbox CRVS as a data source of the gateway. */
  const crvsSource = (name: string) => {
    const { sandbox } = linked;
    return {
      name,
      kind: 'crvs',
      baseUrl: sandbox.registries.crvs.baseUrl,
      auth: { type: 'oauth2', tokenUrl: sandbox.oauth.tokenUrl, clientId: sandbox.oauth.clientId, clientSecret: sandbox.oauth.clientSecret },
      callbackBase: `${t().url}/dci`,
      receiverId: sandbox.registries.crvs.senderId,
      jwksUrl: sandbox.registries.crvs.jwksUrl,
    };
  };
  /** How much each sample grew between two scrapes (a sample absent before counts from 0). */
  const growth = (before: Scrape, after: Scrape, name: string, labels: Record<string, string>) => (after.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0);

  it('counts GraphQL operations by type and outcome', async () => {
    const reader = await t().token(['registry:read']);
    secrets.push(reader);
    const before = await read();
    ok(await t().gql('{ individuals(first: 1) { totalCount } }', {}, reader));
    await t().gql('{ individuals(first: 1) { totalCount } }');
    await t().gql('mutation { createIndividual(input: { name: { given: "No", family: "Body" }, sex: male }) { id } }', {}, reader);
    const invalid = await t().gql('{ individuals(first: 1) { nope } }', {}, reader);
    const unparsable = await t().gql('{ individuals(first: ', {}, reader);
    const after = await read();

    const operations = (type: string, outcome: string) => growth(before, after, 'dci_gateway_graphql_operations_total', { type, outcome });
    expect({
      ok: operations('query', 'ok'),
      noToken: operations('unknown', 'UNAUTHENTICATED'),
      forbidden: operations('mutation', 'FORBIDDEN'),
      // Neither has an operation type; each is counted under the code its client got.
      invalid: operations('unknown', invalid.body.errors![0].extensions!.code!),
      unparsable: operations('unknown', unparsable.body.errors![0].extensions!.code!),
    }).toEqual({ ok: 1, noToken: 1, forbidden: 1, invalid: 1, unparsable: 1 });
    expect(growth(before, after, 'dci_gateway_http_requests_total', { route: 'graphql', method: 'POST', status: '401' })).toBe(1);
  });

  it('counts DCI messages by route path, action and outcome, and the callback delivered', async () => {
    const uin = demoUin(SEED, 3);
    secrets.push(uin);
    const search = (transactionId: string) => {
      secrets.push(transactionId);
      return { transaction_id: transactionId, search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: uin }, response_entity: 'Member' })] };
    };
    const before = await read();
    expect((await partner.send('/registry/sync/search', 'search', search('m-impostor'), { header: { sender_id: 'someone-else.example.org' } })).status).toBe(401);
    expect((await partner.send('/registry/subscribe', 'subscribe', {}, { token: null })).status).toBe(401);
    const replayed = { header: { message_id: 'metrics-replayed-message' } };
    expect((await partner.send('/registry/sync/search', 'search', search('m-first'), replayed)).body.header.status).toBe('succ');
    expect((await partner.send('/registry/sync/search', 'search', search('m-replay'), replayed)).body.header.status).toBe('rjct');
    const accepted = await partner.send('/registry/search', 'search', search('m-async'), { senderUri: `${receiver.url}/dci/registry/on-search` });
    expect(accepted.status).toBe(202);
    await receiver.waitFor((r) => r.body?.message?.transaction_id === 'm-async');
    // Counted when the receiver's answer is back, just after it recorded the request.
    let after = await read();
    await waitFor(async () => {
      after = await read();
      return growth(before, after, 'dci_gateway_dci_deliveries_total', { kind: 'callback', outcome: 'delivered' }) === 1;
    });

    const messages = (path: string, action: string, outcome: string) => growth(before, after, 'dci_gateway_dci_inbound_messages_total', { path, action, outcome });
    expect({
      impostor: messages('/registry/sync/search', 'search', 'err.sender_id.invalid'),
      noToken: messages('/registry/subscribe', 'subscribe', 'err.request.unauthorized'),
      answered: messages('/registry/sync/search', 'search', 'accepted'),
      replay: messages('/registry/sync/search', 'search', 'rjct.message_id.duplicate'),
      async: messages('/registry/search', 'search', 'accepted'),
    }).toEqual({ impostor: 1, noToken: 1, answered: 1, replay: 1, async: 1 });
    expect(growth(before, after, 'dci_gateway_http_requests_total', { route: 'dci', method: 'POST', status: '401' })).toBe(2);
    await waitFor(async () => ((await read()).value('dci_gateway_jobs', { kind: 'dci.callback', state: 'done' }) ?? 0) >= 1);
  });

  it('counts calls to data sources by name, operation and outcome, with their duration', async () => {
    const { sandbox } = linked;
    const admin = await t().token(['partners:admin']);
    secrets.push(admin);
    ok(await t().gql(CREATE_DATA_SOURCE, { input: crvsSource('crvs-sandbox') }, admin));
    const brn = sandbox.data.births[0].brn;
    secrets.push(brn);
    const client = await t().gateway.dataSources.client('crvs-sandbox');

    const before = await read();
    expect((await client.search([byBrn(brn)]))[0].status).toBe('succ');
    sandbox.faults.badSignatureNext('crvs', 1);
    await expect(client.search([byBrn(brn)])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const after = await read();

    const call = { data_source: 'crvs-sandbox', operation: '/registry/sync/search' };
    expect({
      ok: growth(before, after, 'dci_gateway_dci_outbound_calls_total', { ...call, outcome: 'ok', reason: '' }),
      badSignature: growth(before, after, 'dci_gateway_dci_outbound_calls_total', { ...call, outcome: 'UNAVAILABLE', reason: 'BAD_SIGNATURE' }),
      timed: growth(before, after, 'dci_gateway_dci_outbound_call_duration_seconds_count', { ...call, outcome: 'ok', reason: '' }),
    }).toEqual({ ok: 1, badSignature: 1, timed: 1 });
  });

  it("reports each data source's circuit breaker in this instance, as a gauge and over GraphQL", async () => {
    const { sandbox } = linked;
    const admin = await t().token(['partners:admin']);
    secrets.push(admin);
    // A cool-down long enough for the checks of the open state, even on a loaded machine.
    ok(await t().gql(CREATE_DATA_SOURCE, { input: { ...crvsSource('crvs-circuit'), breakerCoolDownSeconds: 4 } }, admin));
    const circuit = async () => ok(await t().gql('{ dataSource(name: "crvs-circuit") { circuit } }', {}, admin)).dataSource.circuit;
    const gauge = async () => {
      const scraped = await read();
      return Object.fromEntries(['closed', 'open', 'half-open'].map((state) => [state, scraped.value('dci_gateway_dci_outbound_circuit', { data_source: 'crvs-circuit', state })]));
    };
    // Not called by this instance yet: no state to report.
    expect(await circuit()).toBeNull();
    expect(await gauge()).toEqual({ closed: undefined, open: undefined, 'half-open': undefined });

    const client = await t().gateway.dataSources.client('crvs-circuit');
    const brn = sandbox.data.births[1].brn;
    secrets.push(brn);
    expect((await client.search([byBrn(brn)]))[0].status).toBe('succ');
    expect(await circuit()).toBe('closed');
    expect(await gauge()).toEqual({ closed: 1, open: 0, 'half-open': 0 });

    // Four attempts per call: the fifth failure in a row, in the second call, opens the breaker.
    // That call reports its own failure; the next one is refused by the breaker without a call.
    sandbox.faults.failNext('crvs', 5, 500);
    await expect(client.search([byBrn(brn)])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(client.search([byBrn(brn)])).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'PARTNER_ERROR' } });
    await expect(client.search([byBrn(brn)])).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'CIRCUIT_OPEN' } });
    expect(await circuit()).toBe('open');
    expect(await gauge()).toEqual({ closed: 0, open: 1, 'half-open': 0 });

    await waitFor(async () => (await circuit()) === 'half_open', 10_000);
    expect(await gauge()).toEqual({ closed: 0, open: 0, 'half-open': 1 });
    expect((await client.search([byBrn(brn)]))[0].status).toBe('succ');
    expect(await circuit()).toBe('closed');
  });

  it('never shows a token, a client secret, a sender id, a transaction id or a personal value', async () => {
    const { text } = await read();
    expect(secrets.length).toBeGreaterThan(10);
    expect(secrets.filter((secret) => text.includes(secret))).toEqual([]);
    expect(text).not.toMatch(/eyJ[\w-]+\./); // no JWT of any kind
  });
});
