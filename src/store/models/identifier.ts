import mongoose, { Schema, Types } from 'mongoose';
import { modelOn } from './common';

export const VERIFICATION_STATUSES = ['unverified', 'verified', 'rejected'] as const;
export const REGISTRANT_KINDS = ['individual', 'group'] as const;
export type RegistrantKind = (typeof REGISTRANT_KINDS)[number];

/** An identifier as its registrant holds it: read with the registrant, at no extra query. */
export interface EmbeddedIdentifier {
  _id: Types.ObjectId;
  type: string;
  value: string;
  issuer?: string;
  verificationStatus: (typeof VERIFICATION_STATUSES)[number];
  createdAt: Date;
}

/** An identifier with the registrant it belongs to, as the GraphQL Identifier type shows it. */
export interface IdentifierDoc extends EmbeddedIdentifier {
  registrantKind: RegistrantKind;
  registrant: Types.ObjectId;
}

export const embeddedIdentifierSchema = new Schema<EmbeddedIdentifier>(
  {
    type: { type: String, required: true },
    value: { type: String, required: true },
    issuer: String,
    verificationStatus: { type: String, enum: VERIFICATION_STATUSES, required: true, default: 'unverified' },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);

/**
 * The claim of a (type, value) pair: its `_id` is the pair, so the pair is unique on every engine
 * and a lookup by identifier reads one document by `_id`. It holds the whole identifier, so a
 * claim whose registrant never received its copy (a writer stopped in between) can be completed.
 * `removing` marks a removal under way, which a repair finishes instead of undoing; `at` is when
 * the pair was claimed or, once marked, when its removal began.
 */
export interface IdentifierClaimDoc {
  _id: string;
  identifier: EmbeddedIdentifier;
  registrantKind: RegistrantKind;
  registrant: Types.ObjectId;
  at: Date;
  removing?: boolean;
}

const claimSchema = new Schema<IdentifierClaimDoc>(
  {
    _id: { type: String, required: true },
    identifier: { type: embeddedIdentifierSchema, required: true },
    registrantKind: { type: String, enum: REGISTRANT_KINDS, required: true },
    registrant: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
    removing: Boolean,
  },
  { collection: 'identifier_claims', versionKey: false },
);
// removeIdentifier names an identifier by its id: a unique index is a real index on every engine.
claimSchema.index({ 'identifier._id': 1 }, { unique: true });

export const identifierClaimModel = (c: mongoose.Connection) => modelOn(c, 'IdentifierClaim', claimSchema);

/** The claim key of a pair. Types are codes (no colon), so the first colon separates type and value. */
export const claimKey = (type: string, value: string) => `${type}:${value}`;
