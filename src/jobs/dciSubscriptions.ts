/** Subscriptions, the outbox cursor and the delivery ledger of the DCI notifier, on MongoDB. */
import mongoose, { Types } from 'mongoose';
import type { DeliveryLedger, OutboxEvent, OutboxFeed } from '../../adapters/dci/server/notifier';
import type { StoredSubscription, SubscriptionStore } from '../../adapters/dci/server/subscriptions';
import { dciCursorModel, dciDeliveryModel, dciSubscriptionModel, DciSubscriptionDoc } from '../store/models/dciSubscription';
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
    async findActive(senderId, regEventType, filter) {
      const doc = await Sub.findOne({ senderId, regEventType, filterJson: JSON.stringify(filter), status: 'subscribe' }).lean();
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
    async add(code, event) {
      try {
        await Delivery.create({ _id: `${code}:${event.id}`, code, eventId: event.id, seq: new Types.ObjectId(event.seq), state: 'pending', createdAt: new Date() });
        return true;
      } catch (error) {
        if ((error as { code?: number }).code === 11000) return false;
        throw error;
      }
    },
    async earlierPending(code, seq) {
      return Boolean(await Delivery.exists({ code, state: 'pending', seq: { $lt: new Types.ObjectId(seq) } }));
    },
    async markDelivered(code, eventId) {
      await Delivery.updateOne({ _id: `${code}:${eventId}` }, { $set: { state: 'delivered', deliveredAt: new Date() } });
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
