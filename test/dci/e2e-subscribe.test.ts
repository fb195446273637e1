import { randomUUID } from 'node:crypto';
import { updatePartner } from '../../src/partners/service';
import { seedRegistry } from '../../src/registry/seed';
import { deliveryLedger, outboxFeed } from '../../src/jobs/dciSubscriptions';
import { dciDeliveryModel, dciSubscriptionModel } from '../../src/store/models/dciSubscription';
import { waitFor } from '../jobs/support';
import { validatorFor } from '../../adapters/dci/protocol';
import { ok, startTestGateway, TestGateway } from '../support/gateway';
import { registerPartner, TestPartner } from '../support/dciPartner';
import { quietPeriod, Receiver, ReceivedRequest, startReceiver, verifyWithGatewayJwks } from '../support/receiver';

jest.setTimeout(40_000);

describe('DCI subscribe, notify and unsubscribe (end to end)', () => {
  let t: TestGateway;
  let receiver: Receiver;
  let full: TestPartner; // sees personal data
  let masked: TestPartner; // does not
  let writeToken: string;
  const AREA = 'NR-01';
  const OTHER_AREA = 'CE-01';
  const codes: Record<string, string> = {};
  const validNotify = validatorFor('social', '/registry/notify', 'request');

  beforeAll(async () => {
    // A notification that fails is given up at once here (the default waits a week).
    t = await startTestGateway({ DCI_NOTIFY_GIVE_UP_HOURS: '0' });
    receiver = await startReceiver();
    await seedRegistry(t.gateway.models, { individuals: 150, seed: 11 });
    full = await registerPartner(t.gateway, { senderId: 'sub-full.example.org', callbackBase: `${receiver.url}/dci`, pii: true });
    masked = await registerPartner(t.gateway, { senderId: 'sub-masked.example.org', callbackBase: `${receiver.url}/dci-n`, pii: false });
    writeToken = await t.token(['registry:write', 'registry:read', 'registry:pii']);
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.stop();
  });

  const livingIn = async (areaCode: string, count: number) => {
    const data = ok(
      await t.gql(
        `query($filter: IndividualFilter) { individuals(filter: $filter, first: ${count}) { edges { node { id name { given family } } } } }`,
        { filter: { areaCode, status: 'active' } },
        writeToken,
      ),
    );
    const nodes = data.individuals.edges.map((e: any) => e.node);
    expect(nodes.length).toBe(count);
    return nodes as { id: string; name: { given: string; family: string } }[];
  };
  const recordDeath = async (id: string) =>
    ok(await t.gql(`mutation($id: ID!, $d: Date!) { recordDeath(id: $id, deathDate: $d) { id status } }`, { id, d: new Date().toISOString().slice(0, 10) }, writeToken));

  const notifiesFor = (code: string) => (r: ReceivedRequest) => r.path.endsWith('/registry/notify') && r.body?.message?.notify_event?.some((e: any) => e.reference_id === code);

  const subscribe = async (partner: TestPartner, base: string, transactionId: string) => {
    const res = await partner.send(
      '/registry/subscribe',
      'subscribe',
      {
        transaction_id: transactionId,
        subscribe_request: [
          {
            reference_id: `ref-${transactionId}`,
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
      { senderUri: `${receiver.url}${base}/registry/on-subscribe` },
    );
    expect(res.status).toBe(202);
    expect(validatorFor('social', '/registry/subscribe', 'response')(res.body)).toEqual({ ok: true });
    const cb = await receiver.waitFor((r) => r.path === `${base}/registry/on-subscribe` && r.body?.message?.transaction_id === transactionId);
    expect(validatorFor('social', '/registry/on-subscribe', 'request')(cb.body)).toEqual({ ok: true });
    await expect(verifyWithGatewayJwks(t.url, cb)).resolves.toMatchObject({ ok: true });
    expect(cb.body.header).toMatchObject({ action: 'on-subscribe', status: 'succ' });
    const item = cb.body.message.subscribe_response[0];
    expect(item).toMatchObject({ reference_id: `ref-${transactionId}`, status: 'succ' });
    const code = item.subscriptions[0].code;
    expect(typeof code).toBe('string');
    expect(item.subscriptions[0]).toMatchObject({ status: 'subscribe', reg_event_type: 'Death' });
    return code as string;
  };

  it('answers subscribe with an on-subscribe callback carrying a subscription code', async () => {
    codes.full = await subscribe(full, '/dci', 'sub-full-1');
    codes.masked = await subscribe(masked, '/dci-n', 'sub-masked-1');
    expect(codes.full).not.toBe(codes.masked);
  });

  let firstDead: { id: string; name: { given: string; family: string } };

  it('notifies a death in the subscribed area: schema-valid, signed, referencing the subscription', async () => {
    [firstDead] = await livingIn(AREA, 1);
    await recordDeath(firstDead.id);
    const n = await receiver.waitFor(notifiesFor(codes.full), 15_000);
    expect(n.path).toBe('/dci/registry/notify');
    await expect(verifyWithGatewayJwks(t.url, n)).resolves.toMatchObject({ ok: true });
    expect(n.body.header).toMatchObject({ action: 'notify', receiver_id: full.senderId });
    const event = n.body.message.notify_event[0];
    expect(event.reference_id).toBe(codes.full);
    expect(event.data).toMatchObject({ reg_record_type: 'Member' });
    // The SR notify schema only allows REGISTER and NewHouseHoldMember here; a Death event is named by its subscription code.
    expect(event.data.reg_event_type).toBeUndefined();
    const records = Array.isArray(event.data.reg_records) ? event.data.reg_records : [event.data.reg_records];
    expect(records[0].demographic_info.name).toMatchObject({ given_name: firstDead.name.given, surname: firstDead.name.family });
    // Last, so a schema mismatch does not hide the checks above.
    expect(validNotify(n.body)).toEqual({ ok: true });
  });

  it('masks names in the notification to a partner without pii', async () => {
    const n = await receiver.waitFor(notifiesFor(codes.masked), 15_000);
    expect(n.path).toBe('/dci-n/registry/notify');
    await expect(verifyWithGatewayJwks(t.url, n)).resolves.toMatchObject({ ok: true });
    const event = n.body.message.notify_event[0];
    const records = Array.isArray(event.data.reg_records) ? event.data.reg_records : [event.data.reg_records];
    const name = records[0].demographic_info.name;
    expect(name.given_name).not.toBe(firstDead.name.given);
    expect(name.surname).not.toBe(firstDead.name.family);
    expect(JSON.stringify(n.body)).not.toContain(firstDead.name.family);
    expect(validNotify(n.body)).toEqual({ ok: true });
  });

  it('does not notify a death outside the subscribed area, nor the same event twice', async () => {
    const [outside] = await livingIn(OTHER_AREA, 1);
    await recordDeath(outside.id);
    await quietPeriod(2500);
    expect(receiver.matching(notifiesFor(codes.full))).toHaveLength(1);
    expect(receiver.matching(notifiesFor(codes.masked))).toHaveLength(1);
    expect(receiver.matching((r) => r.path.endsWith('/registry/notify'))).toHaveLength(2);
  });

  it('answers unsubscribe with on-unsubscribe, and stops notifying that subscription', async () => {
    const transactionId = `unsub-${randomUUID()}`;
    const res = await full.send(
      '/registry/unsubscribe',
      'unsubscribe',
      { transaction_id: transactionId, timestamp: new Date().toISOString(), subscription_codes: [codes.full] },
      { senderUri: `${receiver.url}/dci/registry/on-unsubscribe` },
    );
    expect(res.status).toBe(202);
    expect(validatorFor('social', '/registry/unsubscribe', 'response')(res.body)).toEqual({ ok: true });
    const cb = await receiver.waitFor((r) => r.path === '/dci/registry/on-unsubscribe' && r.body?.message?.transaction_id === transactionId);
    expect(validatorFor('social', '/registry/on-unsubscribe', 'request')(cb.body)).toEqual({ ok: true });
    await expect(verifyWithGatewayJwks(t.url, cb)).resolves.toMatchObject({ ok: true });
    expect(cb.body.header).toMatchObject({ action: 'on-unsubscribe', status: 'succ' });
    expect(cb.body.message).toMatchObject({ status: 'succ', subscription_status: [{ code: codes.full, status: 'unsubscribe' }] });

    const [later] = await livingIn(AREA, 1);
    await recordDeath(later.id);
    // The other subscription still fires for this death, so the event was processed...
    await receiver.waitForCount(notifiesFor(codes.masked), 2, 15_000);
    // ...but the ended one does not.
    await quietPeriod(1500);
    expect(receiver.matching(notifiesFor(codes.full))).toHaveLength(1);
    expect(receiver.matching(notifiesFor(codes.masked))).toHaveLength(2);
  });

  const ledgerOf = async (code: string) =>
    (await dciDeliveryModel(t.gateway.store.connection).find({ code }).sort({ seq: 1 }).lean()).map((d) => ({ state: d.state, lastError: d.lastError }));

  it('gives up a notification that keeps failing past the give-up age, and the next one still goes out', async () => {
    const before = await ledgerOf(codes.masked);
    receiver.failNext(1, 503, (path) => path === '/dci-n/registry/notify');
    const [failing, next] = await livingIn(AREA, 2);
    await recordDeath(failing.id);
    const [refused] = (await receiver.waitForCount(notifiesFor(codes.masked), 3, 15_000)).slice(2);
    expect(refused.answeredWith).toBe(503);
    await recordDeath(next.id);
    const [delivered] = (await receiver.waitForCount(notifiesFor(codes.masked), 4, 15_000)).slice(3);
    expect(delivered.answeredWith).toBe(200);
    // The receiver records a POST before answering it; the ledger is written once the answer is back.
    await waitFor(async () => (await ledgerOf(codes.masked)).slice(before.length).every((d) => d.state !== 'pending'));
    expect((await ledgerOf(codes.masked)).slice(before.length)).toEqual([
      { state: 'failed', lastError: 'notify answered HTTP 503' },
      { state: 'delivered', lastError: undefined },
    ]);
  });

  it('sends nothing to a notify URL that is no longer under the partner callback base', async () => {
    const before = await ledgerOf(codes.masked);
    await updatePartner(t.gateway.models, masked.senderId, { callbackBase: 'https://moved.example.org/dci' }, new Date());
    const [moved] = await livingIn(AREA, 1);
    await recordDeath(moved.id);
    await waitFor(async () => (await ledgerOf(codes.masked)).slice(before.length).some((d) => d.state !== 'pending'));
    expect((await ledgerOf(codes.masked)).slice(before.length)).toEqual([{ state: 'failed', lastError: 'the notify URL is no longer under the partner callback base' }]);
    expect(receiver.matching(notifiesFor(codes.masked))).toHaveLength(4);
  });

  it('sends a notification whose scan died after recording it as owed and before queuing it, once', async () => {
    codes.resumed = await subscribe(full, '/dci', 'sub-full-2');
    // Background work stopped: the death's event waits in the outbox, as it would for a scan that died.
    await t.gateway.dci.stop();
    const [dying] = await livingIn(AREA, 1);
    await recordDeath(dying.id);
    const connection = t.gateway.store.connection;
    const event = (await outboxFeed(connection).next(200)).find((e) => e.registrantId === dying.id);
    expect(event).toBeDefined();
    // What that scan did before it died: the delivery is recorded as owed, no job is queued, the cursor is where it was.
    await expect(deliveryLedger(connection).owe(codes.resumed, event!)).resolves.toBe(true);
    t.gateway.dci.start();
    const [notification] = await receiver.waitForCount(notifiesFor(codes.resumed), 1, 15_000);
    const records = notification.body.message.notify_event[0].data.reg_records;
    expect((Array.isArray(records) ? records[0] : records).demographic_info.name).toMatchObject({ given_name: dying.name.given, surname: dying.name.family });
    await waitFor(async () => (await ledgerOf(codes.resumed)).every((d) => d.state === 'delivered'));
    await quietPeriod(1500);
    expect(receiver.matching(notifiesFor(codes.resumed))).toHaveLength(1);
    expect(await ledgerOf(codes.resumed)).toEqual([{ state: 'delivered', lastError: undefined }]);
  });

  it('takes a message of 100 subscriptions, up to the 1,000 one partner may hold active; the rest are refused item by item', async () => {
    const capped = await registerPartner(t.gateway, { senderId: 'sub-capped.example.org', callbackBase: `${receiver.url}/dci-c`, pii: false });
    const Sub = dciSubscriptionModel(t.gateway.store.connection);
    const now = new Date();
    // 901 held already, for a person who does not exist, so that they never notify.
    await Sub.insertMany(Array.from({ length: 901 }, () => ({
      _id: randomUUID(), senderId: capped.senderId, status: 'subscribe', regEventType: 'Death', events: ['deceased'], entity: 'individual',
      filterJson: JSON.stringify({ ids: ['000000000000000000000000'] }), criteriaJson: '{}', notifyUrl: `${receiver.url}/dci-c/registry/notify`, createdAt: now, updatedAt: now,
    })));
    const items = Array.from({ length: 100 }, (_, i) => ({
      reference_id: `cap-${i}`,
      timestamp: now.toISOString(),
      subscribe_criteria: { reg_event_type: 'Death', filter_type: 'predicate', filter: [{ seq_num: 1, expression1: { attribute_name: 'age', operator: 'gt', attribute_value: `${i}` } }], notify_record_type: 'Member' },
    }));
    const res = await capped.send('/registry/subscribe', 'subscribe', { transaction_id: 'sub-capped-1', subscribe_request: items }, { senderUri: `${receiver.url}/dci-c/registry/on-subscribe` });
    expect(res.status).toBe(202);
    const cb = await receiver.waitFor((r) => r.path === '/dci-c/registry/on-subscribe' && r.body?.message?.transaction_id === 'sub-capped-1');
    expect(validatorFor('social', '/registry/on-subscribe', 'request')(cb.body)).toEqual({ ok: true });
    const answered = cb.body.message.subscribe_response as { reference_id: string; status: string; status_reason_code?: string; status_reason_message?: string }[];
    expect(answered.slice(0, 99).map((a) => a.status)).toEqual(Array(99).fill('succ'));
    expect(answered[99]).toMatchObject({ reference_id: 'cap-99', status: 'rjct', status_reason_code: 'rjct.notify_details.invalid', status_reason_message: expect.stringMatching(/1000 active subscriptions/) });
    expect(await Sub.countDocuments({ senderId: capped.senderId, status: 'subscribe' })).toBe(1000);
    await Sub.updateMany({ senderId: capped.senderId }, { $set: { status: 'unsubscribe' } });
  });

  it('refuses a record type it does not notify and a malformed frequency, and tells Person from Group subscriptions apart', async () => {
    const typed = await registerPartner(t.gateway, { senderId: 'sub-typed.example.org', callbackBase: `${receiver.url}/dci-t`, pii: false });
    const now = new Date().toISOString();
    const criteria = (notifyRecordType: string, extra: object = {}) => ({
      reg_event_type: 'UPDATE', filter_type: 'predicate', filter: [{ seq_num: 1, expression1: { attribute_name: 'location', operator: 'eq', attribute_value: OTHER_AREA } }], notify_record_type: notifyRecordType, ...extra,
    });
    const items = [
      ['banana', criteria('Banana')],
      ['backwards', criteria('Member', { frequency: { start_time: '2026-12-08T00:00:00Z', end_time: '2026-12-01T00:00:00Z', frequency: '0 0 0 5,15 * ? *' } })],
      ['not-cron', criteria('Member', { frequency: { start_time: '2026-12-01T00:00:00Z', end_time: '2026-12-08T00:00:00Z', frequency: 'not a cron' } })],
      ['person', criteria('spdci-extensions-dci:Person', { frequency: { start_time: '2026-12-01T00:00:00Z', end_time: '2027-12-08T00:00:00Z', frequency: '0 0 0 5,15 * ? *' } })],
      ['group', criteria('Group')],
    ].map(([reference_id, subscribe_criteria]) => ({ reference_id, timestamp: now, subscribe_criteria }));
    const res = await typed.send('/registry/subscribe', 'subscribe', { transaction_id: 'sub-typed-1', subscribe_request: items }, { senderUri: `${receiver.url}/dci-t/registry/on-subscribe` });
    expect(res.status).toBe(202);
    const cb = await receiver.waitFor((r) => r.path === '/dci-t/registry/on-subscribe' && r.body?.message?.transaction_id === 'sub-typed-1');
    const answered = Object.fromEntries(cb.body.message.subscribe_response.map((a: { reference_id: string; status: string; status_reason_code?: string; status_reason_message?: string }) => [a.reference_id, [a.status, a.status_reason_code, a.status_reason_message]]));
    expect(answered).toEqual({
      banana: ['rjct', 'rjct.notify_details.invalid', expect.stringContaining('notify_record_type Banana is not a record we notify')],
      backwards: ['rjct', 'rjct.notify_details.invalid', 'frequency: end_time is before start_time'],
      'not-cron': ['rjct', 'rjct.notify_details.invalid', expect.stringContaining('frequency must be a 7-field cron expression')],
      person: ['succ', undefined, undefined],
      group: ['succ', undefined, undefined],
    });
    await dciSubscriptionModel(t.gateway.store.connection).updateMany({ senderId: typed.senderId }, { $set: { status: 'unsubscribe' } });
  });
});
