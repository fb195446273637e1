import mongoose, { Schema } from 'mongoose';
import { modelOn } from './common';

/** A subscription a CRVS registry confirmed to us; `_id` is the registry's subscription code. */
export interface CrvsSubscriptionDoc {
  _id: string;
  dataSource: string;
  event: 'LiveBirth' | 'Death';
  subscribedAt: Date;
}

const schema = new Schema<CrvsSubscriptionDoc>(
  {
    _id: { type: String, required: true },
    dataSource: { type: String, required: true },
    event: { type: String, enum: ['LiveBirth', 'Death'], required: true },
    subscribedAt: { type: Date, required: true },
  },
  { collection: 'crvs_subscriptions', versionKey: false },
);
schema.index({ dataSource: 1 });

export const crvsSubscriptionModel = (c: mongoose.Connection) => modelOn(c, 'CrvsSubscription', schema);
