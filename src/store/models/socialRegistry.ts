/** The models of the social-registry client role (src/socialRegistry), spread into registryModels. */
import mongoose, { Schema, Types } from 'mongoose';
import { modelOn } from './common';

export const SR_TRANSACTION_STATUSES = ['pending', 'answered', 'failed'] as const;

/** One answered item of a search (or one event of a notification), its records as received. */
export interface SocialRegistryResult {
  referenceId: string;
  status: 'succ' | 'rjct';
  reasonCode?: string;
  reasonMessage?: string;
  recordType?: string;
  /** A notification's event (REGISTER, NewHouseHoldMember). */
  eventType?: string;
  /** Each record as JSON text: personal data, and JSON-LD keys (`@type`) need not suit the engine. */
  records: string[];
  totalCount?: number;
  pageNumber?: number;
  pageSize?: number;
}

/**
 * A search we sent to a social registry, or a notification it sent us. `_id` is the DCI
 * transaction id (ours for a search; `notify:<data source>:<theirs>` for a notification, so a
 * notification delivered twice is stored once). An async search is stored `pending` before it is
 * sent and `answered` when its on-search arrives.
 */
export interface SocialRegistryTransactionDoc {
  _id: string;
  dataSource: string;
  kind: 'search' | 'notify';
  mode?: 'sync' | 'async';
  status: (typeof SR_TRANSACTION_STATUSES)[number];
  /** The partner's receiver id: only it may answer (checked again when the answer arrives). */
  partner: string;
  /** The search criteria we sent, JSON. */
  criteria?: string;
  ack?: { status: string; correlationId: string };
  results: SocialRegistryResult[];
  /** Why the transaction failed, in words: no partner payload. */
  error?: string;
  requestedBy?: string;
  createdAt: Date;
  /** An async search not answered by then has failed; a later answer is ignored. */
  answerBy?: Date;
  answeredAt?: Date;
}

const resultSchema = new Schema<SocialRegistryResult>(
  {
    referenceId: { type: String, required: true },
    status: { type: String, enum: ['succ', 'rjct'], required: true },
    reasonCode: String,
    reasonMessage: String,
    recordType: String,
    eventType: String,
    records: { type: [String], default: [] },
    totalCount: Number,
    pageNumber: Number,
    pageSize: Number,
  },
  { _id: false },
);

const transactionSchema = new Schema<SocialRegistryTransactionDoc>(
  {
    _id: { type: String, required: true },
    dataSource: { type: String, required: true },
    kind: { type: String, enum: ['search', 'notify'], required: true },
    mode: { type: String, enum: ['sync', 'async'] },
    status: { type: String, enum: SR_TRANSACTION_STATUSES, required: true },
    partner: { type: String, required: true },
    criteria: String,
    ack: { type: new Schema({ status: { type: String, required: true }, correlationId: { type: String, required: true } }, { _id: false }) },
    results: { type: [resultSchema], default: [] },
    error: String,
    requestedBy: String,
    createdAt: { type: Date, required: true },
    answerBy: Date,
    answeredAt: Date,
  },
  { collection: 'sr_transactions', versionKey: false },
);
transactionSchema.index({ dataSource: 1, createdAt: -1 });

/** A subscription a social registry confirmed to us, active until we end it. */
export interface SocialRegistrySubscriptionDoc {
  _id: Types.ObjectId;
  dataSource: string;
  /** The registry's subscription code (unique per data source). */
  code: string;
  eventType: string;
  /** The filter we sent, JSON. */
  filter?: string;
  status: 'active' | 'ended';
  subscribedAt: Date;
  endedAt?: Date;
}

const subscriptionSchema = new Schema<SocialRegistrySubscriptionDoc>(
  {
    dataSource: { type: String, required: true },
    code: { type: String, required: true },
    eventType: { type: String, required: true },
    filter: String,
    status: { type: String, enum: ['active', 'ended'], required: true },
    subscribedAt: { type: Date, required: true },
    endedAt: Date,
  },
  { collection: 'sr_subscriptions', versionKey: false },
);
subscriptionSchema.index({ dataSource: 1, code: 1 }, { unique: true });

export function socialRegistryModels(c: mongoose.Connection) {
  return {
    SocialRegistryTransaction: modelOn(c, 'SocialRegistryTransaction', transactionSchema),
    SocialRegistrySubscription: modelOn(c, 'SocialRegistrySubscription', subscriptionSchema),
  };
}
