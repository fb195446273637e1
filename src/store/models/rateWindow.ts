import mongoose, { Schema } from 'mongoose';
import { modelOn } from './common';

/**
 * Partners' request windows, shared by every gateway on the database (src/partners/sharedRateLimiter.ts).
 * Two kinds of document, told apart by their `_id`:
 * - a block, `<key>|<window start>|<n>`: the n-th block of the window's requests, taken by one gateway; inserted, never updated;
 * - a hint, `<key>|<window start>`: `block` is a block known to be taken, with every lower one taken too.
 * Expiry is a stored timestamp, not a TTL index (the embedded engines have none).
 */
export interface RateWindowDoc {
  _id: string;
  block?: number;
  expiresAt: Date;
}

const schema = new Schema<RateWindowDoc>(
  {
    _id: { type: String, required: true },
    block: Number,
    expiresAt: { type: Date, required: true },
  },
  { collection: 'rate_windows', versionKey: false },
);

export const rateWindowModel = (c: mongoose.Connection) => modelOn(c, 'RateWindow', schema);
