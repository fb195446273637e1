/**
 * Notification receipts over HTTP with real keys: a subscriber acknowledges the notifications it got
 * by notification_id or by subscription code, sync and async; a receipt that matches nothing is a
 * warning, not an error; the operators' view counts delivered, receipted and outstanding ones.
 */
import { randomUUID } from 'node:crypto';
import { validatorFor } from '../../adapters/dci/protocol';
import { dciSubscriptionModel } from '../../src/store/models/dciSubscription';
import { seedRegistry } from '../../src/registry/seed';
import { waitFor } from '../jobs/support';
import { registerPartner, TestPartner } from '../support/dciPartner';
import { ok, startTestGateway, TestGateway } from '../support/gateway';
import { Receiver, ReceivedRequest, startReceiver, verifyWithGatewayJwks } from '../support/receiver';

jest.setTimeout(60_000);

const AREA = 'NR-01';
const COUNTS = `query($senderId: String) { dciSubscriptions(senderId: $senderId) { edges { node { code notifications { delivered receipted outstanding pending failed withdrawn } } } } }`;

describe('notification receipts (end to end)', () => {
  let t: TestGateway;
  let receiver: Receiver;
  let subscriber: TestPartner;
  let stranger: TestPartner;
  let admin: string;
  let code: string;
  /** The notification_id of each notification, in the order they were sent. */
  let sent: string[];
  let writer: string;

  const syncReply = validatorFor('social', '/registry/sync/receipt', 'response');
  const ack = validatorFor('social', '/registry/receipt', 'response');
  const onReceipt = validatorFor('social', '/registry/on-receipt', 'request');

  const receipt = (info: Record<string, unknown>, transactionId = `rcpt-${randomUUID()}`) => ({
    transaction_id: transactionId,
    receipt_information: { receipt_type: 'notification', ...info },
  });

  /** A sync receipt: the signed reply, checked against the schema and our JWKS, and its one item. */
  async function syncReceipt(partner: TestPartner, info: Record<string, unknown>) {
    const res = await partner.send('/registry/sync/receipt', 'receipt', receipt(info));
    expect(res.status).toBe(200);
    expect(syncReply(res.body)).toEqual({ ok: true });
    await expect(verifyWithGatewayJwks(t.url, { body: res.body, raw: res.raw, headers: {} })).resolves.toMatchObject({ ok: true });
    expect(res.body.header).toMatchObject({ action: 'on-receipt', status: 'succ', receiver_id: partner.senderId });
    expect(res.body.message.receipt_response).toHaveLength(1);
    return res.body.message.receipt_response[0];
  }

  /** An async receipt: the ACK, then the signed on-receipt callback, and its one item. */
  async function asyncReceipt(partner: TestPartner, info: Record<string, unknown>, opts: { callbackPath?: string; senderUri?: string } = {}) {
    const transactionId = `rcpt-${randomUUID()}`;
    const res = await partner.send('/registry/receipt', 'receipt', receipt(info, transactionId), opts.senderUri ? { senderUri: opts.senderUri } : {});
    expect(res.status).toBe(202);
    expect(ack(res.body)).toEqual({ ok: true });
    const cb = await receiver.waitFor((r) => r.path === opts.callbackPath && r.body?.message?.transaction_id === transactionId);
    expect(onReceipt(cb.body)).toEqual({ ok: true });
    await expect(verifyWithGatewayJwks(t.url, cb)).resolves.toMatchObject({ ok: true });
    expect(cb.body.header).toMatchObject({ action: 'on-receipt', status: 'succ' });
    expect(cb.body.message.correlation_id).toBe(res.body.message.correlation_id);
    return { item: cb.body.message.receipt_response[0], transactionId };
  }

  /** Deaths of living people in the subscribed area: one notification each. */
  async function recordDeaths(count: number) {
    const people = ok(await t.gql(`query($f: IndividualFilter) { individuals(filter: $f, first: ${count}) { edges { node { id } } } }`, { f: { areaCode: AREA, status: 'active' } }, writer));
    expect(people.individuals.edges).toHaveLength(count);
    const day = new Date().toISOString().slice(0, 10);
    for (const { node } of people.individuals.edges) {
      ok(await t.gql(`mutation($id: ID!, $d: Date!) { recordDeath(id: $id, deathDate: $d) { id } }`, { id: node.id, d: day }, writer));
    }
  }

  const counts = async () => ok(await t.gql(COUNTS, { senderId: subscriber.senderId }, admin)).dciSubscriptions.edges.find((e: any) => e.node.code === code).node.notifications;

  beforeAll(async () => {
    t = await startTestGateway();
    receiver = await startReceiver();
    await seedRegistry(t.gateway.models, { individuals: 150, seed: 17 });
    subscriber = await registerPartner(t.gateway, { senderId: 'receipts.example.org', callbackBase: `${receiver.url}/dci`, pii: true });
    stranger = await registerPartner(t.gateway, { senderId: 'stranger.example.org', callbackBase: `${receiver.url}/other`, pii: true });
    admin = await t.token(['partners:admin']);

    const res = await subscriber.send(
      '/registry/subscribe',
      'subscribe',
      {
        transaction_id: 'rcpt-sub-1',
        subscribe_request: [
          {
            reference_id: 'rcpt-sub-ref-1',
            timestamp: new Date().toISOString(),
            subscribe_criteria: {
              reg_event_type: 'Death',
              filter_type: 'predicate',
              filter: [{ seq_num: 1, expression1: { attribute_name: 'location', operator: 'eq', attribute_value: AREA } }],
              notify_record_type: 'Member',
            },
          },
        ],
      },
      { senderUri: `${receiver.url}/dci/registry/on-subscribe` },
    );
    expect(res.status).toBe(202);
    const subscribed = await receiver.waitFor((r) => r.path === '/dci/registry/on-subscribe' && r.body?.message?.transaction_id === 'rcpt-sub-1');
    code = subscribed.body.message.subscribe_response[0].subscriptions[0].code;

    writer = await t.token(['registry:read', 'registry:write', 'registry:pii']);
    await recordDeaths(3);
    const isNotify = (r: ReceivedRequest) => r.path === '/dci/registry/notify';
    sent = (await receiver.waitForCount(isNotify, 3, 20_000)).map((r) => r.body.message.notification_id);
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.stop();
  });

  it('gives each notification its own notification_id, within the notify schema', () => {
    const notifies = receiver.matching((r) => r.path === '/dci/registry/notify');
    for (const n of notifies) expect(validatorFor('social', '/registry/notify', 'request')(n.body)).toEqual({ ok: true });
    expect(sent.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(sent).size).toBe(3);
  });

  it('counts the delivered notifications as outstanding until a receipt comes', async () => {
    // The ledger records a delivery once the subscriber's receiver has answered.
    await waitFor(async () => (await counts()).delivered === 3);
    expect(await counts()).toEqual({ delivered: 3, receipted: 0, outstanding: 3, pending: 0, failed: 0, withdrawn: 0 });
  });

  it('acknowledges a notification by notification_id (sync), and a repeat changes nothing', async () => {
    const item = await syncReceipt(subscriber, { notification_id: sent[1] });
    expect(item).toMatchObject({ reference_id: sent[1], status: 'succ', notification_id: sent[1], subscription_code: code });
    expect(item.status_reason_code).toBeUndefined();
    expect(await counts()).toMatchObject({ delivered: 3, receipted: 1, outstanding: 2 });

    const again = await syncReceipt(subscriber, { notification_id: sent[1] });
    expect(again).toMatchObject({ status: 'succ', notification_id: sent[1] });
    expect(await counts()).toMatchObject({ receipted: 1, outstanding: 2 });
  });

  it('acknowledges nothing when the notification_id is of another subscription than the subscription_code named', async () => {
    // Another subscription of the same subscriber, for a person who does not exist: nothing delivered under it.
    const other = randomUUID();
    const now = new Date();
    await dciSubscriptionModel(t.gateway.store.connection).create({
      _id: other, senderId: subscriber.senderId, status: 'subscribe', regEventType: 'Death', events: ['deceased'], entity: 'individual',
      filterJson: JSON.stringify({ ids: ['000000000000000000000000'] }), criteriaJson: '{}', notifyUrl: `${receiver.url}/dci/registry/notify`, createdAt: now, updatedAt: now,
    });
    const item = await syncReceipt(subscriber, { notification_id: sent[2], subscription_code: other });
    expect(item).toMatchObject({ status: 'succ', status_reason_code: 'warn.notification.not_found' });
    expect(await counts()).toMatchObject({ receipted: 1, outstanding: 2 });
  });

  it('acknowledges the oldest unacknowledged notification of a subscription code (async, callback to sender_uri)', async () => {
    const { item } = await asyncReceipt(subscriber, { subscription_code: code }, { senderUri: `${receiver.url}/dci/registry/on-receipt`, callbackPath: '/dci/registry/on-receipt' });
    expect(item).toMatchObject({ status: 'succ', notification_id: sent[0], subscription_code: code });
    // The second was acknowledged by id already: the next by code is the third.
    const next = await syncReceipt(subscriber, { subscription_code: code });
    expect(next).toMatchObject({ status: 'succ', notification_id: sent[2] });
    expect(await counts()).toEqual({ delivered: 3, receipted: 3, outstanding: 0, pending: 0, failed: 0, withdrawn: 0 });
  });

  it('answers an unknown notification_id with a warning, not an error (sync)', async () => {
    const unknown = randomUUID();
    const item = await syncReceipt(subscriber, { notification_id: unknown });
    expect(item).toMatchObject({ reference_id: unknown, status: 'succ', status_reason_code: 'warn.notification.not_found' });
    expect(item.notification_id).toBeUndefined();
  });

  it('answers an unknown notification_id with a warning in the on-receipt callback (async, default callback path)', async () => {
    const unknown = randomUUID();
    const { item, transactionId } = await asyncReceipt(subscriber, { notification_id: unknown }, { callbackPath: '/dci/registry/on-receipt' });
    expect(item).toMatchObject({ reference_id: unknown, status: 'succ', status_reason_code: 'warn.notification.not_found' });
    // The receipt is a transaction of its own: its status reads as a receipt.
    const status = await subscriber.send('/registry/sync/txn/status', 'txn-status', {
      transaction_id: `st-${randomUUID()}`,
      txnstatus_request: { reference_id: 'st-1', txn_type: 'receipt', attribute_type: 'transaction_id', attribute_value: transactionId },
    });
    expect(validatorFor('social', '/registry/sync/txn/status', 'response')(status.body)).toEqual({ ok: true });
    expect(status.body.message.txnstatus_response).toMatchObject({ txn_type: 'receipt', txn_status: { search_response: [{ reference_id: unknown, status: 'succ' }] } });
  });

  it('warns when a subscription has nothing left to acknowledge', async () => {
    const item = await syncReceipt(subscriber, { subscription_code: code });
    expect(item).toMatchObject({ reference_id: code, status: 'succ', status_reason_code: 'warn.notification.not_found' });
  });

  it("never lets a partner acknowledge another partner's notifications", async () => {
    const byId = await syncReceipt(stranger, { notification_id: sent[0] });
    expect(byId).toMatchObject({ status: 'succ', status_reason_code: 'warn.notification.not_found' });
    const byCode = await syncReceipt(stranger, { subscription_code: code });
    expect(byCode).toMatchObject({ status: 'succ', status_reason_code: 'warn.notification.not_found' });
    expect(byCode.notification_id).toBeUndefined();
  });

  it('refuses a receipt that names neither a notification nor a subscription, and one without the subscribe scope', async () => {
    const neither = await subscriber.send('/registry/sync/receipt', 'receipt', receipt({}));
    expect(neither.status).toBe(400);
    expect(neither.body.message).toMatchObject({ ack_status: 'ERR', error: { code: 'err.request.bad' } });
    const searchOnly = await subscriber.send('/registry/receipt', 'receipt', receipt({ subscription_code: code }), { token: await subscriber.token('dci:search') });
    expect(searchOnly.status).toBe(403);
    expect(searchOnly.body.message).toMatchObject({ ack_status: 'ERR', error: { code: 'err.request.forbidden' } });
  });

  it('falls back to the subscription code when the notification_id matches nothing', async () => {
    await recordDeaths(1);
    const [fourth] = (await receiver.waitForCount((r) => r.path === '/dci/registry/notify', 4, 20_000)).slice(3);
    await waitFor(async () => (await counts()).outstanding === 1);
    const item = await syncReceipt(subscriber, { notification_id: randomUUID(), subscription_code: code });
    expect(item).toMatchObject({ status: 'succ', notification_id: fourth.body.message.notification_id, subscription_code: code });
    expect(item.status_reason_code).toBeUndefined();
    expect(await counts()).toMatchObject({ delivered: 4, receipted: 4, outstanding: 0 });
  });

  it('lists the receipts among the partner transactions for operators', async () => {
    const listed = ok(await t.gql(`{ dciTransactions(action: receipt) { totalCount edges { node { senderId action status items { requested succeeded } } } } }`, {}, admin));
    expect(listed.dciTransactions.totalCount).toBe(2);
    for (const { node } of listed.dciTransactions.edges) expect(node).toMatchObject({ senderId: subscriber.senderId, action: 'receipt', status: 'succ', items: { requested: 1, succeeded: 1 } });
  });
});
