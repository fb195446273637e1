import mongoose, { Schema, Types } from 'mongoose';
import { modelOn } from './common';

export const REVIEW_REASONS = [
  'IDENTIFIER_CONFLICT',
  'DUPLICATE_RECORD',
  'MOTHER_NOT_FOUND',
  'MOTHER_IMPLAUSIBLE',
  'PERSON_NOT_FOUND',
  'DEATH_CONFLICT',
  'INVALID_RECORD',
  'HOUSEHOLD_CONFLICT',
] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];
export const REVIEW_STATUSES = ['open', 'resolved'] as const;

/**
 * A source record the gateway would not apply on its own. `key` is unique per source record
 * (kind, registration number and a digest of the record), so meeting the record again neither
 * adds a second item nor reopens a resolved one.
 */
export interface ReviewItemDoc {
  _id: Types.ObjectId;
  key: string;
  /** A CRVS birth or death, or a social registry's record (a household or a person). */
  kind: 'birth' | 'death' | 'social';
  reason: ReviewReason;
  /** What the gateway found, in words and ids: no personal data. */
  detail: string;
  status: (typeof REVIEW_STATUSES)[number];
  dataSource: string;
  /** The source record as received, JSON text (personal data; JSON-LD keys need not suit the engine). */
  record: string;
  /** Registrants the record points at (the child, the matched people). */
  individuals: Types.ObjectId[];
  createdAt: Date;
  resolution?: string;
  resolvedBy?: string;
  resolvedAt?: Date;
}

const schema = new Schema<ReviewItemDoc>(
  {
    key: { type: String, required: true },
    kind: { type: String, enum: ['birth', 'death', 'social'], required: true },
    reason: { type: String, enum: REVIEW_REASONS, required: true },
    detail: { type: String, required: true },
    status: { type: String, enum: REVIEW_STATUSES, required: true },
    dataSource: { type: String, required: true },
    record: { type: String, required: true },
    individuals: { type: [Schema.Types.ObjectId], default: [] },
    createdAt: { type: Date, required: true },
    resolution: String,
    resolvedBy: String,
    resolvedAt: Date,
  },
  { collection: 'crvs_review_items', versionKey: false, minimize: false },
);
schema.index({ key: 1 }, { unique: true });
schema.index({ status: 1, _id: 1 });

export const reviewItemModel = (c: mongoose.Connection) => modelOn(c, 'CrvsReviewItem', schema);
