/** Subscriptions, the outbox cursor, the delivery ledger of the DCI notifier and its receipts, on MongoDB. */
import mongoose, { Types } from 'mongoose';
import { notificationIdOf, type DeliveryLedger, type OutboxEvent, type OutboxFeed } from '../../adapters/dci/server/notifier';
import type { Receipt, ReceiptLedger } from '../../adapters/dci/server/receipts';
import type { StoredSubscription, SubscriptionStore } from '../../adapters/dci/server/subscriptions';
import { isDuplicateKey } from '../store/duplicateKey';
import { dciCursorModel, dciDeliveryModel, dciReceiptModel, dciSubscriptionModel, DciSubscriptionDoc } from '../store/models/dciSubscription';
import { outboxModel } from '../store/models/outbox';

const fromDoc = (d: DciSubscriptionDoc): StoredSubscription => ({
  code: d._id,
  senderId: d.senderId,
  status: d.status,
  regEventType: d.regEventType,
  events: d.events,
  entity: d.entity,
  filter: JSON.parse(d.filterJson),
  criteria: JSON.parse(d.criteriaJson),
  notifyUrl: d.notifyUrl,
  createdAt: d.createdAt,
});

export function dciSubscriptionStore(c: mongoose.Connection): SubscriptionStore {
  const Sub = dciSubscriptionModel(c);
  return {
    async create(s) {
      await Sub.create({
        _id: s.code,
        senderId: s.senderId,
        status: s.status,
        regEventType: s.regEventType,
        events: s.events,
        entity: s.entity,
        filterJson: JSON.stringify(s.filter),
        criteriaJson: JSON.stringify(s.criteria),
        notifyUrl: s.notifyUrl,
        createdAt: s.createdAt,
        updatedAt: s.createdAt,
      });
    },
    async countActive(senderId) {
      return Sub.countDocuments({ senderId, status: 'subscribe' });
    },
    async findActive(senderId, regEventType, entity, filter) {
      const doc = await Sub.findOne({ senderId, regEventType, entity, filterJson: JSON.stringify(filter), status: 'subscribe' }).lean();
      return doc ? fromDoc(doc) : undefined;
    },
    async get(code) {
      const doc = await Sub.findById(code).lean();
      return doc ? fromDoc(doc) : undefined;
    },
    async unsubscribe(codes) {
      await Sub.updateMany({ _id: { $in: codes } }, { $set: { status: 'unsubscribe', updatedAt: new Date() } });
    },
    async active() {
      return (await Sub.find({ status: 'subscribe' }).lean()).map(fromDoc);
    },
  };
}

const CURSOR = 'dci-notifier';

export function outboxFeed(c: mongoose.Connection): OutboxFeed {
  const Outbox = outboxModel(c);
  const Cursor = dciCursorModel(c);
  return {
    async next(limit) {
      const cursor = await Cursor.findById(CURSOR).lean();
      const rows = await Outbox.find(cursor ? { seq: { $gt: cursor.seq } } : {}).sort({ seq: 1 }).limit(limit).lean();
      return rows.map(
        (r): OutboxEvent => ({ id: r._id, seq: r.seq.toHexString(), type: r.type, registrantKind: r.registrantKind, registrantId: `${r.registrantId}` }),
      );
    },
    async advance(seq) {
      await Cursor.updateOne({ _id: CURSOR }, { $set: { seq: new Types.ObjectId(seq) } }, { upsert: true });
    },
  };
}

export function deliveryLedger(c: mongoose.Connection): DeliveryLedger {
  const Delivery = dciDeliveryModel(c);
  return {
    async owe(code, event) {
      try {
        await Delivery.create({
          _id: `${code}:${event.id}`,
          code,
          eventId: event.id,
          seq: new Types.ObjectId(event.seq),
          state: 'pending',
          notificationId: notificationIdOf(code, event.id),
          createdAt: new Date(),
        });
        return true;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        return Boolean(await Delivery.exists({ _id: `${code}:${event.id}`, state: 'pending' }));
      }
    },
    async earlierPending(code, seq) {
      return Boolean(await Delivery.exists({ code, state: 'pending', seq: { $lt: new Types.ObjectId(seq) } }));
    },
    async markDelivered(code, eventId) {
      await Delivery.updateOne({ _id: `${code}:${eventId}` }, { $set: { state: 'delivered', deliveredAt: new Date() } });
    },
    async markWithdrawn(code, eventId) {
      await Delivery.updateOne({ _id: `${code}:${eventId}`, state: 'pending' }, { $set: { state: 'withdrawn' } });
    },
    async nextPending(code, seq) {
      const next = await Delivery.findOne({ code, state: 'pending', seq: { $gt: new Types.ObjectId(seq) } }, { eventId: 1 }).sort({ seq: 1 }).lean();
      return next?.eventId;
    },
    async markFailed(code, eventId, error) {
      await Delivery.updateOne({ _id: `${code}:${eventId}`, state: 'pending' }, { $set: { state: 'failed', lastError: error.slice(0, 300), failedAt: new Date() } });
    },
  };
}

/** How many already-acknowledged rows one receipt by subscription code steps over before it gives up. */
const MAX_STEPS = 100;

/**
 * Receipts on the notification ledger. A receipt row keyed by the notification id is the claim (a
 * unique insert, atomic on every engine, where a conditional update is not on FerretDB): two receipts
 * racing for the oldest notification of a subscription acknowledge two notifications, not one twice.
 * The delivery row is then marked for the operators' counts; a mark lost to a crash is made again by
 * the next receipt that meets its claim.
 */
export function receiptLedger(c: mongoose.Connection): ReceiptLedger {
  const Delivery = dciDeliveryModel(c);
  const Receipts = dciReceiptModel(c);
  const Sub = dciSubscriptionModel(c);
  const owns = async (code: string, senderId: string) => Boolean(await Sub.exists({ _id: code, senderId }));
  /** False when an earlier receipt holds this notification. */
  const claim = async (notificationId: string, code: string, r: Receipt) => {
    try {
      await Receipts.create({ _id: notificationId, code, senderId: r.senderId, transactionId: r.transactionId, correlationId: r.correlationId, createdAt: r.at });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  };
  const mark = (rowId: string, notificationId: string, at: Date) =>
    Delivery.updateOne({ _id: rowId, receiptedAt: { $exists: false } }, { $set: { receiptedAt: at, notificationId } });
  return {
    async acknowledge(notificationId, r, code) {
      const row = await Delivery.findOne({ notificationId }, { code: 1 }).lean();
      if (!row || (code !== undefined && row.code !== code) || !(await owns(row.code, r.senderId))) return undefined;
      await claim(notificationId, row.code, r);
      await mark(row._id, notificationId, r.at);
      return { notificationId, code: row.code };
    },
    async acknowledgeOldest(code, r) {
      if (!(await owns(code, r.senderId))) return undefined;
      for (let step = 0; step < MAX_STEPS; step++) {
        const row = await Delivery.findOne({ code, state: 'delivered', receiptedAt: { $exists: false } }, { eventId: 1 }).sort({ seq: 1 }).lean();
        if (!row) return undefined;
        // Rows delivered before notification ids were stored get theirs from the same function.
        const notificationId = notificationIdOf(code, row.eventId);
        const claimed = await claim(notificationId, code, r);
        await mark(row._id, notificationId, r.at);
        if (claimed) return { notificationId, code };
      }
      return undefined;
    },
  };
}
