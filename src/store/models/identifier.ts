import mongoose, { Schema, Types } from 'mongoose';
import { modelOn } from './common';

export const VERIFICATION_STATUSES = ['unverified', 'verified', 'rejected'] as const;
export const REGISTRANT_KINDS = ['individual', 'group'] as const;

export interface IdentifierDoc {
  _id: Types.ObjectId;
  type: string;
  value: string;
  issuer?: string;
  verificationStatus: (typeof VERIFICATION_STATUSES)[number];
  registrantKind: (typeof REGISTRANT_KINDS)[number];
  registrant: Types.ObjectId;
  createdAt: Date;
}

const identifierSchema = new Schema<IdentifierDoc>(
  {
    type: { type: String, required: true },
    value: { type: String, required: true },
    issuer: String,
    verificationStatus: { type: String, enum: VERIFICATION_STATUSES, required: true, default: 'unverified' },
    registrantKind: { type: String, enum: REGISTRANT_KINDS, required: true },
    registrant: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'identifiers', versionKey: false },
);
// A (type, value) pair names one registrant across the whole registry.
identifierSchema.index({ type: 1, value: 1 }, { unique: true });
identifierSchema.index({ registrant: 1 });

export const identifierModel = (c: mongoose.Connection) => modelOn(c, 'Identifier', identifierSchema);
