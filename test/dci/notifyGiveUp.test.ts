/**
 * Notifications of one subscription go out in order, so one that never gets through must not hold
 * back the others for good: after its last attempt it is given up (state failed), and the next one
 * no longer waits for it.
 */
import { Types } from 'mongoose';
import { notifyJob, NotifierDeps, OutboxEvent } from '../../adapters/dci/server/notifier';
import { deliveryLedger } from '../../src/jobs/dciSubscriptions';
import { dciDeliveryModel } from '../../src/store/models/dciSubscription';
import { log } from '../jobs/support';
import { startTestStore, TestStore } from '../support/store';

describe('notification give-up', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await startTestStore();
  });
  afterAll(async () => {
    await store.close();
  });

  const event = (n: number): OutboxEvent => ({ id: `evt-${n}`, seq: new Types.ObjectId().toHexString(), type: 'UPDATE', registrantKind: 'individual', registrantId: new Types.ObjectId().toHexString() });

  it('marks a notification failed on its last attempt only, and the next one stops waiting for it', async () => {
    const ledger = deliveryLedger(store.connection);
    const code = 'SUB-GIVEUP-1';
    const [first, second, third] = [event(1), event(2), event(3)];
    for (const e of [first, second, third]) expect(await ledger.add(code, e)).toBe(true);
    // Each attempt below stops at the ordering check, before any other dependency is used.
    const job = notifyJob({ ledger, log } as unknown as NotifierDeps);
    const stateOf = async (e: OutboxEvent) => (await dciDeliveryModel(store.connection).findById(`${code}:${e.id}`).lean())!.state;

    await expect(job({ code, event: second }, { final: false })).rejects.toThrow('still pending');
    expect(await stateOf(second)).toBe('pending');
    expect(await ledger.earlierPending(code, third.seq)).toBe(true);

    // The first is given up (its own last attempt, as the queue reports it).
    await ledger.markFailed(code, first.id, 'notify answered HTTP 503');
    expect(await stateOf(first)).toBe('failed');
    // The third still waits, for the second now; a failure on its own last attempt gives it up too.
    await expect(job({ code, event: third }, { final: true })).rejects.toThrow('still pending');
    expect(await stateOf(third)).toBe('failed');
    expect(await ledger.earlierPending(code, third.seq)).toBe(true); // the second is still pending
    await ledger.markDelivered(code, second.id);
    expect(await ledger.earlierPending(code, third.seq)).toBe(false);

    // A delivered notification is never turned into a failed one.
    await ledger.markFailed(code, second.id, 'late');
    expect(await stateOf(second)).toBe('delivered');
  });
});
