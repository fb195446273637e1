import mongoose, { Schema } from 'mongoose';
import { modelOn } from './common';

/**
 * One inbound async DCI request (search, subscribe, unsubscribe, txn-status), stored before the ACK.
 * Messages are kept as JSON text: DCI bodies may hold dotted keys (`demographic_info.person.sex`),
 * which some engines refuse as document keys.
 */
export interface DciTransactionDoc {
  /** Our correlation id, returned in the ACK. */
  _id: string;
  senderId: string;
  transactionId: string;
  action: 'search' | 'subscribe' | 'unsubscribe' | 'txn-status' | 'receipt';
  senderUri: string;
  requestJson: string;
  referenceIds: string[];
  status: 'rcvd' | 'pdng' | 'succ' | 'rjct';
  /** The callback message, computed once, so every delivery attempt sends the same answer. */
  responseJson?: string;
  /**
   * How the answer settled the request's items, counted when it is stored so the operators' listing
   * never reads the answer (records, personal data). Absent on transactions settled before it existed.
   */
  itemCounts?: { succeeded: number; rejected: number };
  callbackMessageId?: string;
  delivery: { state: 'pending' | 'delivered' | 'failed'; attempts: number; lastError?: string; deliveredAt?: Date };
  /** An identifier upload: its size and how far its paged callbacks got (its pages: dciUpload.ts). */
  upload?: { identifiers: number; pageSize: number; pages: number; pagesDelivered: number };
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<DciTransactionDoc>(
  {
    _id: { type: String, required: true },
    senderId: { type: String, required: true },
    transactionId: { type: String, required: true },
    action: { type: String, required: true },
    senderUri: { type: String, required: true },
    requestJson: { type: String, required: true },
    referenceIds: { type: [String], default: [] },
    status: { type: String, required: true },
    responseJson: String,
    itemCounts: { succeeded: Number, rejected: Number },
    callbackMessageId: String,
    delivery: {
      state: { type: String, required: true, default: 'pending' },
      attempts: { type: Number, required: true, default: 0 },
      lastError: String,
      deliveredAt: Date,
    },
    upload: { identifiers: Number, pageSize: Number, pages: Number, pagesDelivered: Number },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'dci_transactions', versionKey: false },
);
schema.index({ senderId: 1, transactionId: 1 });
schema.index({ senderId: 1, referenceIds: 1 });
/** The operators' newest-first listing (src/jobs/dciAdmin.ts). */
schema.index({ createdAt: -1, _id: -1 });

export const dciTransactionModel = (c: mongoose.Connection) => modelOn(c, 'DciTransaction', schema);
