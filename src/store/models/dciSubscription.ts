import mongoose, { Schema } from 'mongoose';
import { modelOn } from './common';

/**
 * A partner's subscription to registry events, and one row per notification owed to it. The
 * delivery key (subscription code + outbox event) makes a second notification of the same event
 * to the same subscriber impossible. Filters are kept as JSON text (they may hold dotted keys).
 * A receipt row, keyed by notification id, is the claim that a notification was acknowledged once.
 */
export interface DciSubscriptionDoc {
  _id: string;
  senderId: string;
  status: 'subscribe' | 'unsubscribe';
  regEventType: string;
  events: string[];
  entity: 'individual' | 'group';
  filterJson: string;
  /** The subscriber's filter as it sent it, echoed in SubscriptionInfo. */
  criteriaJson: string;
  notifyUrl: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface DciDeliveryDoc {
  _id: string;
  code: string;
  eventId: string;
  seq: mongoose.Types.ObjectId;
  /** `withdrawn`: owed no more before it went out (unsubscribed, or the registrant no longer matches). */
  state: 'pending' | 'delivered' | 'failed' | 'withdrawn';
  /** The `notification_id` its notify message carries; absent on rows made before it was recorded. */
  notificationId?: string;
  createdAt: Date;
  deliveredAt?: Date;
  /** When the subscriber's receipt acknowledged it. */
  receiptedAt?: Date;
  /** Given up after the notification job's last attempt. */
  failedAt?: Date;
  lastError?: string;
}

const subscriptionSchema = new Schema<DciSubscriptionDoc>(
  {
    _id: { type: String, required: true },
    senderId: { type: String, required: true },
    status: { type: String, required: true },
    regEventType: { type: String, required: true },
    events: { type: [String], required: true },
    entity: { type: String, required: true },
    filterJson: { type: String, required: true },
    criteriaJson: { type: String, required: true },
    notifyUrl: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'dci_subscriptions', versionKey: false },
);
subscriptionSchema.index({ status: 1 });
subscriptionSchema.index({ senderId: 1 });

const deliverySchema = new Schema<DciDeliveryDoc>(
  {
    _id: { type: String, required: true },
    code: { type: String, required: true },
    eventId: { type: String, required: true },
    seq: { type: Schema.Types.ObjectId, required: true },
    state: { type: String, required: true },
    notificationId: String,
    createdAt: { type: Date, required: true },
    deliveredAt: Date,
    receiptedAt: Date,
    failedAt: Date,
    lastError: String,
  },
  { collection: 'dci_deliveries', versionKey: false },
);
deliverySchema.index({ code: 1, state: 1, seq: 1 });
deliverySchema.index({ notificationId: 1 });

export interface DciReceiptDoc {
  /** The notification id acknowledged. */
  _id: string;
  code: string;
  senderId: string;
  /** The receipt's transaction_id and the correlation id we gave it. */
  transactionId: string;
  correlationId: string;
  createdAt: Date;
}

const receiptSchema = new Schema<DciReceiptDoc>(
  {
    _id: { type: String, required: true },
    code: { type: String, required: true },
    senderId: { type: String, required: true },
    transactionId: { type: String, required: true },
    correlationId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'dci_receipts', versionKey: false },
);

const cursorSchema = new Schema<{ _id: string; seq: mongoose.Types.ObjectId }>(
  { _id: { type: String, required: true }, seq: { type: Schema.Types.ObjectId, required: true } },
  { collection: 'dci_cursors', versionKey: false },
);

export const dciSubscriptionModel = (c: mongoose.Connection) => modelOn(c, 'DciSubscription', subscriptionSchema);
export const dciDeliveryModel = (c: mongoose.Connection) => modelOn(c, 'DciDelivery', deliverySchema);
export const dciReceiptModel = (c: mongoose.Connection) => modelOn(c, 'DciReceipt', receiptSchema);
export const dciCursorModel = (c: mongoose.Connection) => modelOn(c, 'DciCursor', cursorSchema);
