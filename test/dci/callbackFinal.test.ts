/**
 * A callback the gateway may no longer deliver ends for good, recorded as failed (end to end): the
 * partner was disabled, or its callback base moved away from the stored sender_uri.
 */
import { demoUin, seedRegistry } from '../../src/registry/seed';
import { registerPartner, searchItem, TestPartner } from '../support/dciPartner';
import { ok, startTestGateway, TestGateway } from '../support/gateway';
import { Receiver, startReceiver } from '../support/receiver';

jest.setTimeout(60_000);

const TRANSACTION = `query($id: ID!) { dciTransaction(correlationId: $id) { correlationId delivery { state attempts lastError deliveredAt } } }`;
const PENDING = `{ dciTransactions(deliveryState: pending) { edges { node { correlationId } } } }`;
const DISABLE = `mutation($senderId: String!) { disablePartner(senderId: $senderId) { status } }`;
const UPDATE = `mutation($senderId: String!, $input: UpdatePartnerInput!) { updatePartner(senderId: $senderId, input: $input) { callbackBase } }`;

describe('callbacks that can no longer be delivered', () => {
  const SEED = 17;
  let t: TestGateway;
  let receiver: Receiver;
  let retiredHost: Receiver | undefined;
  let admin: string;

  beforeAll(async () => {
    t = await startTestGateway();
    receiver = await startReceiver();
    await seedRegistry(t.gateway.models, { individuals: 20, seed: SEED });
    admin = await t.token(['partners:admin']);
  });
  afterAll(async () => {
    await retiredHost?.close();
    await receiver?.close();
    await t?.stop();
  });

  const transaction = async (correlationId: string) => ok(await t.gql(TRANSACTION, { id: correlationId }, admin)).dciTransaction;

  /** Polls the admin view until the transaction's delivery satisfies `done`. */
  async function deliveryOf(correlationId: string, done: (delivery: any) => boolean) {
    for (let tries = 0; ; tries++) {
      const { delivery } = await transaction(correlationId);
      if (done(delivery) || tries === 300) return delivery;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function asyncSearch(partner: TestPartner, transactionId: string, senderUri: string): Promise<string> {
    const item = searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: demoUin(SEED, 1) }, response_entity: 'Member' });
    const res = await partner.send('/registry/search', 'search', { transaction_id: transactionId, search_request: [item] }, { senderUri });
    expect(res.status).toBe(202);
    return res.body.message.correlation_id;
  }

  it('ends failed, no longer listed as pending, when the partner is disabled before delivery', async () => {
    const partner = await registerPartner(t.gateway, { senderId: 'disabled.final.example.org', callbackBase: `${receiver.url}/disabled` });
    // The receiver refuses every attempt, so the callback is still being retried when the partner is disabled.
    receiver.failNext(1000, 500, (path) => path.startsWith('/disabled/'));
    const id = await asyncSearch(partner, 'disabled-1', `${receiver.url}/disabled/registry/on-search`);
    await receiver.waitFor((r) => r.path === '/disabled/registry/on-search');
    expect(ok(await t.gql(DISABLE, { senderId: partner.senderId }, admin)).disablePartner.status).toBe('disabled');

    const delivery = await deliveryOf(id, (d) => d.state !== 'pending');
    expect(delivery).toMatchObject({ state: 'failed', lastError: 'partner disabled or removed', deliveredAt: null });
    const pending = ok(await t.gql(PENDING, {}, admin)).dciTransactions.edges.map((e: any) => e.node.correlationId);
    expect(pending).not.toContain(id);
  });

  it('ends failed without reaching the old host when the partner callback base moved off it', async () => {
    // A port nobody listens on yet: the first attempt cannot reach the partner and is retried.
    const probe = await startReceiver();
    const retiredPort = probe.port;
    await probe.close();
    const partner = await registerPartner(t.gateway, { senderId: 'moved.final.example.org', callbackBase: `http://127.0.0.1:${retiredPort}/dci` });
    const id = await asyncSearch(partner, 'moved-1', `http://127.0.0.1:${retiredPort}/dci/registry/on-search`);
    expect(await deliveryOf(id, (d) => d.attempts >= 1)).toMatchObject({ state: 'pending' });

    const moved = `${receiver.url}/moved/dci`;
    expect(ok(await t.gql(UPDATE, { senderId: partner.senderId, input: { callbackBase: moved } }, admin)).updatePartner.callbackBase).toBe(moved);
    // The retired host answers again, and would take any callback (and credentials) still sent to it.
    retiredHost = await startReceiver({ port: retiredPort });

    const delivery = await deliveryOf(id, (d) => d.state !== 'pending');
    expect(delivery).toMatchObject({ state: 'failed', lastError: 'sender_uri is no longer under the partner callback base', deliveredAt: null });
    expect(retiredHost.requests).toEqual([]);
    expect(receiver.matching((r) => r.path.startsWith('/moved/'))).toEqual([]);
  });
});
