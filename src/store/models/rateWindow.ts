import mongoose, { Schema } from 'mongoose';
import { modelOn } from './common';

/**
 * Partners' request windows, shared by every gateway on the database (src/partners/sharedRateLimiter.ts).
 * Two kinds of document, told apart by their `_id`:
 * - a slot, `<key>|<window start>|<n>`: one admitted request; inserted, never updated;
 * - a hint, `<key>|<window start>`: `slot` is a slot known to be taken, with every lower one taken too.
 * Expiry is a stored timestamp, not a TTL index (the embedded engines have none).
 */
export interface RateWindowDoc {
  _id: string;
  slot?: number;
  expiresAt: Date;
}

const schema = new Schema<RateWindowDoc>(
  {
    _id: { type: String, required: true },
    slot: Number,
    expiresAt: { type: Date, required: true },
  },
  { collection: 'rate_windows', versionKey: false },
);

export const rateWindowModel = (c: mongoose.Connection) => modelOn(c, 'RateWindow', schema);
