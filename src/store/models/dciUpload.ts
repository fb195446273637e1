import mongoose, { Schema } from 'mongoose';
import { modelOn } from './common';

/**
 * One page of a partner's identifier upload (POST {base}/registry/upload/search): the identifiers it
 * holds until its on-search callback is delivered, and the answer computed once before the first
 * attempt, so a retry sends the same message with the same message id. Both are dropped once the
 * page is delivered (the answer holds personal data); the page itself stays as the progress record.
 */
export interface DciUploadPageDoc {
  /** `<correlation id>#<page>`. */
  _id: string;
  correlationId: string;
  /** 1-based. */
  page: number;
  /** `[type, value][]` as JSON text. */
  itemsJson?: string;
  answerJson?: string;
  messageId?: string;
  /** How the answer settled the page's items, kept after the answer is dropped (the transaction's itemCounts). */
  succeeded?: number;
  rejected?: number;
  deliveredAt?: Date;
}

const pageSchema = new Schema<DciUploadPageDoc>(
  {
    _id: { type: String, required: true },
    correlationId: { type: String, required: true },
    page: { type: Number, required: true },
    itemsJson: String,
    answerJson: String,
    messageId: String,
    succeeded: Number,
    rejected: Number,
    deliveredAt: Date,
  },
  { collection: 'dci_upload_pages', versionKey: false },
);
pageSchema.index({ correlationId: 1, page: 1 });

/**
 * A partner's pending upload slots, `<sender id>#<n>` for n below its limit: inserting one is the
 * atomic step that admits an upload (the unique `_id`, on every engine), deleting it frees the slot
 * when the upload's last page is delivered or its delivery fails for good.
 */
export interface DciUploadSlotDoc {
  _id: string;
  senderId: string;
  correlationId: string;
  at: Date;
}

const slotSchema = new Schema<DciUploadSlotDoc>(
  {
    _id: { type: String, required: true },
    senderId: { type: String, required: true },
    correlationId: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'dci_upload_slots', versionKey: false },
);

export const dciUploadPageModel = (c: mongoose.Connection) => modelOn(c, 'DciUploadPage', pageSchema);
export const dciUploadSlotModel = (c: mongoose.Connection) => modelOn(c, 'DciUploadSlot', slotSchema);
