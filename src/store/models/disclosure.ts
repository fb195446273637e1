/**
 * The disclosure audit: one document per person and outgoing DCI message that showed the person to a
 * partner. `_id` is the message id and the person's id, so a message recorded again (a retried
 * callback or notification) adds nothing. Kept for the configured retention (DISCLOSURE_RETENTION_DAYS),
 * pruned by `at`: the embedded engines have no TTL index.
 */
import mongoose, { Schema, Types } from 'mongoose';
import { modelOn } from './common';

export interface DisclosureDoc {
  /** `<message id>:<individual id>`. */
  _id: string;
  /** The partner's sender id. */
  partner: string;
  individual: Types.ObjectId;
  /** The DCI fields sent, each given or masked. */
  fields: { field: string; level: 'given' | 'masked' }[];
  /** The purpose codes the request gave; absent when it gave none. */
  purpose?: { consent?: string; authorize?: string };
  transactionId: string;
  messageId: string;
  /** on-search, txn-on-status, notify. */
  action: string;
  /** The search item's reference_id or the subscription's code. */
  referenceId?: string;
  at: Date;
}

const disclosureSchema = new Schema<DisclosureDoc>(
  {
    _id: { type: String, required: true },
    partner: { type: String, required: true },
    individual: { type: Schema.Types.ObjectId, required: true },
    fields: { type: [new Schema({ field: { type: String, required: true }, level: { type: String, required: true } }, { _id: false })], default: [] },
    purpose: new Schema({ consent: String, authorize: String }, { _id: false }),
    transactionId: { type: String, required: true },
    messageId: { type: String, required: true },
    action: { type: String, required: true },
    referenceId: String,
    at: { type: Date, required: true },
  },
  { collection: 'disclosures', versionKey: false },
);
disclosureSchema.index({ individual: 1, at: -1 });
disclosureSchema.index({ partner: 1, at: -1 });
disclosureSchema.index({ at: 1 });

export const disclosureModel = (c: mongoose.Connection) => modelOn(c, 'Disclosure', disclosureSchema);
