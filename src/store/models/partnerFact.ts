import mongoose, { Schema, Types } from 'mongoose';
import { modelOn } from './common';

/** What a partner registry told us about one individual, kept with the time it was asked. */
export const PARTNER_FACT_KINDS = ['enrollment', 'disability', 'crvsRecord'] as const;
export type PartnerFactKind = (typeof PARTNER_FACT_KINDS)[number];

export interface PartnerFactDoc<V = unknown> {
  _id: Types.ObjectId;
  individual: Types.ObjectId;
  kind: PartnerFactKind;
  /** What the partner was asked with (e.g. `UIN:1000000001`): an answer to another question is not reused. */
  question: string;
  dataSource: string;
  /** Freshness is judged from this, per kind, when read: no TTL index, so an expired fact stays until replaced. */
  checkedAt: Date;
  /** Our normalised reading of the answer (no partner payload, no dotted keys). */
  value: V;
}

const schema = new Schema<PartnerFactDoc>(
  {
    individual: { type: Schema.Types.ObjectId, required: true },
    kind: { type: String, enum: PARTNER_FACT_KINDS, required: true },
    question: { type: String, required: true },
    dataSource: { type: String, required: true },
    checkedAt: { type: Date, required: true },
    value: { type: Schema.Types.Mixed, required: true },
  },
  { collection: 'partner_facts', versionKey: false, minimize: false },
);
// One current fact per individual and kind: writes are upserts on this key.
schema.index({ individual: 1, kind: 1 }, { unique: true });

export const partnerFactModel = (c: mongoose.Connection) => modelOn(c, 'PartnerFact', schema);
