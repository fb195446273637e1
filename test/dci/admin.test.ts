/** Operators see partners' DCI transactions and subscriptions over GraphQL, without the message bodies. */
import { seedRegistry } from '../../src/registry/seed';
import { dciTransactionModel } from '../../src/store/models/dciTransaction';
import { codes, GqlResponse, ok, onlyError, READ, startTestGateway, TestGateway, WRITE } from '../support/gateway';
import { registerPartner, searchItem, TestPartner } from '../support/dciPartner';
import { Receiver, ReceivedRequest, startReceiver } from '../support/receiver';

jest.setTimeout(60_000);

const TRANSACTION = `correlationId senderId transactionId action status referenceIds
  delivery { state attempts lastError deliveredAt } items { requested succeeded rejected } createdAt updatedAt`;
const TRANSACTIONS = `query($senderId: String, $action: DciTransactionAction, $deliveryState: DciDeliveryState, $first: Int, $after: String) {
  dciTransactions(senderId: $senderId, action: $action, deliveryState: $deliveryState, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${TRANSACTION} } } } }`;
const ONE_TRANSACTION = `query($id: ID!) { dciTransaction(correlationId: $id) { ${TRANSACTION} } }`;
const SUBSCRIPTIONS = `query($senderId: String, $status: DciSubscriptionStatus, $first: Int, $after: String) {
  dciSubscriptions(senderId: $senderId, status: $status, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { code senderId eventType filterAttributes status createdAt updatedAt notifications { delivered pending failed } } } } }`;

describe('the DCI admin view (GraphQL, partners:admin)', () => {
  const SEED = 13;
  let t: TestGateway;
  let receiver: Receiver;
  let healthy: TestPartner;
  /** Its receiver answers every callback with HTTP 500. */
  let failing: TestPartner;
  let admin: string;
  let person: { id: string; sex: string; areaCode: string; uin: string; surname: string };
  const ids: Record<string, string> = {};
  const subscriptionCodes: Record<string, string> = {};

  const transactionOf = (transactionId: string) => (r: ReceivedRequest) => r.body?.message?.transaction_id === transactionId;
  const transactions = (variables: Record<string, unknown>) => t.gql(TRANSACTIONS, variables, admin);
  const transaction = async (correlationId: string) => ok(await t.gql(ONE_TRANSACTION, { id: correlationId }, admin)).dciTransaction;
  const nodes = (res: GqlResponse) => ok(res).dciTransactions.edges.map((e: any) => e.node);

  /** Asks again until `done`: the gateway records an outcome just after the partner's receiver has answered. */
  async function askUntil<T>(ask: () => Promise<T>, done: (answer: T) => boolean): Promise<T> {
    for (let tries = 0; ; tries++) {
      const answer = await ask();
      if (done(answer) || tries === 200) return answer;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const acked = (res: { status: number; body: any }) => {
    expect(res.status).toBe(202);
    return res.body.message.correlation_id as string;
  };

  beforeAll(async () => {
    t = await startTestGateway();
    receiver = await startReceiver();
    await seedRegistry(t.gateway.models, { individuals: 30, seed: SEED });
    healthy = await registerPartner(t.gateway, { senderId: 'ops-healthy.example.org', callbackBase: `${receiver.url}/dci-h`, pii: true });
    failing = await registerPartner(t.gateway, { senderId: 'ops-failing.example.org', callbackBase: `${receiver.url}/dci-f` });
    receiver.failNext(1000, 500, (path) => path.startsWith('/dci-f/'));
    admin = await t.token(['partners:admin']);

    const writer = await t.token(WRITE);
    const found = ok(await t.gql(`{ individuals(filter: { status: active }, first: 1) { edges { node { id sex addresses { areaCode } identifiers { type value } name { family } } } } }`, {}, writer));
    const node = found.individuals.edges[0].node;
    const uin = node.identifiers.find((i: { type: string }) => i.type === 'UIN').value;
    person = { id: node.id, sex: node.sex, areaCode: node.addresses[0].areaCode, uin, surname: node.name.family };

    // An async search of two items, the second refused as a repeated reference_id.
    const byUin = { query_type: 'idtype-value', query: { type: 'UIN', value: person.uin }, response_entity: 'Member' };
    ids.search = acked(
      await healthy.send(
        '/registry/search',
        'search',
        { transaction_id: 'ops-search', search_request: [searchItem(byUin, 'ref-1'), searchItem(byUin, 'ref-1')] },
        { senderUri: `${receiver.url}/dci-h/registry/on-search` },
      ),
    );
    const answered = await receiver.waitFor((r) => r.path === '/dci-h/registry/on-search' && transactionOf('ops-search')(r));
    expect(JSON.stringify(answered.body)).toContain(person.surname);

    // Two subscriptions in one request; the REGISTER one is then ended.
    const criteria = (regEventType: string) => ({
      reg_event_type: regEventType,
      filter_type: 'predicate',
      filter: [
        { seq_num: 1, expression1: { attribute_name: 'location', operator: 'eq', attribute_value: person.areaCode } },
        { seq_num: 2, expression1: { attribute_name: 'sex', operator: 'eq', attribute_value: person.sex } },
      ],
      notify_record_type: 'Member',
    });
    const now = new Date().toISOString();
    ids.subscribe = acked(
      await healthy.send(
        '/registry/subscribe',
        'subscribe',
        {
          transaction_id: 'ops-subscribe',
          subscribe_request: [
            { reference_id: 'ref-death', timestamp: now, subscribe_criteria: criteria('Death') },
            { reference_id: 'ref-register', timestamp: now, subscribe_criteria: criteria('REGISTER') },
          ],
        },
        { senderUri: `${receiver.url}/dci-h/registry/on-subscribe` },
      ),
    );
    const subscribed = await receiver.waitFor((r) => r.path === '/dci-h/registry/on-subscribe' && transactionOf('ops-subscribe')(r));
    for (const item of subscribed.body.message.subscribe_response) subscriptionCodes[item.reference_id] = item.subscriptions[0].code;
    ids.unsubscribe = acked(
      await healthy.send(
        '/registry/unsubscribe',
        'unsubscribe',
        { transaction_id: 'ops-unsubscribe', timestamp: new Date().toISOString(), subscription_codes: [subscriptionCodes['ref-register']] },
        { senderUri: `${receiver.url}/dci-h/registry/on-unsubscribe` },
      ),
    );
    await receiver.waitFor((r) => r.path === '/dci-h/registry/on-unsubscribe' && transactionOf('ops-unsubscribe')(r));

    // A death the Death subscription is notified of.
    ok(await t.gql(`mutation($id: ID!, $d: Date!) { recordDeath(id: $id, deathDate: $d) { id } }`, { id: person.id, d: now.slice(0, 10) }, writer));
    await receiver.waitFor((r) => r.path === '/dci-h/registry/notify' && r.body?.message?.notify_event?.[0]?.reference_id === subscriptionCodes['ref-death'], 20_000);

    ids.failing = acked(
      await failing.send(
        '/registry/search',
        'search',
        { transaction_id: 'ops-failing', search_request: [searchItem(byUin, 'ref-f')] },
        { senderUri: `${receiver.url}/dci-f/registry/on-search` },
      ),
    );
    await receiver.waitFor((r) => r.path === '/dci-f/registry/on-search' && transactionOf('ops-failing')(r));
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.stop();
  });

  it('shows a delivered async search: header facts, item counts and callback delivery', async () => {
    const txn = await askUntil(() => transaction(ids.search), (x) => x.delivery.state === 'delivered');
    expect(txn).toEqual({
      correlationId: ids.search,
      senderId: healthy.senderId,
      transactionId: 'ops-search',
      action: 'search',
      status: 'succ',
      referenceIds: ['ref-1', 'ref-1'],
      delivery: { state: 'delivered', attempts: 1, lastError: null, deliveredAt: expect.any(String) },
      items: { requested: 2, succeeded: 1, rejected: 1 },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(Date.parse(txn.delivery.deliveredAt)).toBeGreaterThanOrEqual(Date.parse(txn.createdAt));
  });

  it('shows a callback the partner keeps refusing as pending, with its attempts and last error', async () => {
    const txn = await askUntil(() => transaction(ids.failing), (x) => x.delivery.attempts >= 1);
    expect(txn).toMatchObject({
      senderId: failing.senderId,
      transactionId: 'ops-failing',
      status: 'succ',
      delivery: { state: 'pending', lastError: 'callback answered HTTP 500', deliveredAt: null },
      items: { requested: 1, succeeded: 1, rejected: 0 },
    });
    expect(txn.delivery.attempts).toBeGreaterThanOrEqual(1);
  });

  it('lists transactions newest first, filtered by sender, action and delivery state', async () => {
    await askUntil(() => transaction(ids.unsubscribe), (x) => x.delivery.state === 'delivered');
    const ofHealthy = nodes(await transactions({ senderId: healthy.senderId }));
    expect(ofHealthy.map((n: any) => n.correlationId)).toEqual([ids.unsubscribe, ids.subscribe, ids.search]);
    expect(ofHealthy.map((n: any) => [n.action, n.items])).toEqual([
      ['unsubscribe', { requested: 1, succeeded: 1, rejected: 0 }],
      ['subscribe', { requested: 2, succeeded: 2, rejected: 0 }],
      ['search', { requested: 2, succeeded: 1, rejected: 1 }],
    ]);

    const all = nodes(await transactions({}));
    expect(all.map((n: any) => n.correlationId)).toEqual([ids.failing, ids.unsubscribe, ids.subscribe, ids.search]);
    expect(nodes(await transactions({ action: 'search' })).map((n: any) => n.correlationId)).toEqual([ids.failing, ids.search]);
    expect(nodes(await transactions({ deliveryState: 'pending' })).map((n: any) => n.correlationId)).toEqual([ids.failing]);
    expect(nodes(await transactions({ senderId: failing.senderId, deliveryState: 'delivered' }))).toEqual([]);
    expect(await transaction('no-such-correlation-id')).toBeNull();
  });

  it('counts items from the counts stored with the answer, or from the answer of a transaction stored before them', async () => {
    const Txn = dciTransactionModel(t.gateway.store.connection);
    expect((await Txn.findById(ids.search).lean())?.itemCounts).toEqual({ succeeded: 1, rejected: 1 });
    await Txn.updateOne({ _id: ids.search }, { $unset: { itemCounts: 1 } });
    expect((await transaction(ids.search)).items).toEqual({ requested: 2, succeeded: 1, rejected: 1 });
    const listed = nodes(await transactions({ senderId: healthy.senderId }));
    expect(listed.map((n: any) => [n.action, n.items])).toEqual([
      ['unsubscribe', { requested: 1, succeeded: 1, rejected: 0 }],
      ['subscribe', { requested: 2, succeeded: 2, rejected: 0 }],
      ['search', { requested: 2, succeeded: 1, rejected: 1 }],
    ]);
  });

  it('pages by cursor without gaps or repeats', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    // Bounded, so a cursor that goes nowhere fails here rather than looping.
    for (let pages = 0; pages < 6; pages++) {
      const page: any = ok(await transactions({ first: 1, after })).dciTransactions;
      expect(page.totalCount).toBe(4);
      seen.push(...page.edges.map((e: any) => e.node.correlationId));
      expect(page.pageInfo.endCursor).toBe(page.edges[0].cursor);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([ids.failing, ids.unsubscribe, ids.subscribe, ids.search]);
    expect(onlyError(await transactions({ after: 'bm90IGEgY3Vyc29y' })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    expect(onlyError(await transactions({ first: 0 })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('lists subscriptions with their status, filter fields and notification counts', async () => {
    const answer = await askUntil(
      async () => ok(await t.gql(SUBSCRIPTIONS, { senderId: healthy.senderId }, admin)).dciSubscriptions,
      (list) => list.edges.some((e: any) => e.node.notifications.delivered === 1),
    );
    expect(answer.totalCount).toBe(2);
    // Both were created by one request, in the same instant: their order is the ids'.
    const listed = answer.edges.map((e: any) => e.node);
    const death = listed.find((n: any) => n.code === subscriptionCodes['ref-death']);
    const register = listed.find((n: any) => n.code === subscriptionCodes['ref-register']);
    expect(death).toEqual({
      code: subscriptionCodes['ref-death'],
      senderId: healthy.senderId,
      eventType: 'Death',
      filterAttributes: ['areaCode', 'sex'],
      status: 'active',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      notifications: { delivered: 1, pending: 0, failed: 0 },
    });
    expect(register).toMatchObject({ code: subscriptionCodes['ref-register'], eventType: 'REGISTER', status: 'unsubscribed', notifications: { delivered: 0, pending: 0, failed: 0 } });

    const active = ok(await t.gql(SUBSCRIPTIONS, { status: 'active' }, admin)).dciSubscriptions;
    expect(active.edges.map((e: any) => e.node.code)).toEqual([subscriptionCodes['ref-death']]);
    const firstPage = ok(await t.gql(SUBSCRIPTIONS, { first: 1 }, admin)).dciSubscriptions;
    const secondPage = ok(await t.gql(SUBSCRIPTIONS, { first: 1, after: firstPage.pageInfo.endCursor }, admin)).dciSubscriptions;
    expect([...firstPage.edges, ...secondPage.edges].map((e: any) => e.node.code)).toEqual(listed.map((n: any) => n.code));
    expect([firstPage.pageInfo.hasNextPage, secondPage.pageInfo.hasNextPage]).toEqual([true, false]);
    expect(ok(await t.gql(SUBSCRIPTIONS, { senderId: failing.senderId }, admin)).dciSubscriptions).toMatchObject({ totalCount: 0, edges: [] });
  });

  it('never shows a request or response body', async () => {
    const answers = [await transactions({}), await t.gql(SUBSCRIPTIONS, {}, admin), ...(await Promise.all(Object.values(ids).map((id) => t.gql(ONE_TRANSACTION, { id }, admin))))];
    const text = JSON.stringify(answers.map(ok));
    for (const body of [person.uin, person.surname, person.areaCode, 'search_criteria', 'reg_records', 'subscribe_criteria']) expect(text).not.toContain(body);
  });

  it('requires partners:admin', async () => {
    const reader = await t.token(READ);
    for (const [query, variables] of [[TRANSACTIONS, {}], [ONE_TRANSACTION, { id: ids.search }], [SUBSCRIPTIONS, {}]] as const) {
      expect(codes(await t.gql(query, variables, reader))).toEqual(['FORBIDDEN']);
      const anonymous = await t.gql(query, variables, null);
      expect([anonymous.status, codes(anonymous)]).toEqual([401, ['UNAUTHENTICATED']]);
    }
  });
});
