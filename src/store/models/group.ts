import mongoose, { Schema, Types } from 'mongoose';
import { Address, addressSchema, modelOn } from './common';
import { EmbeddedIdentifier, embeddedIdentifierSchema } from './identifier';
import { CurrentMember, currentMemberSchema } from './membership';

export const GROUP_KINDS = ['household', 'family', 'other'] as const;

export interface GroupDoc {
  _id: Types.ObjectId;
  kind: (typeof GROUP_KINDS)[number];
  name: string;
  address?: Address;
  areaCode?: string;
  /** Poverty score and the method that produced it (e.g. PMT), as the DCI Group record carries them. */
  povertyScore?: number;
  povertyScoreType?: string;
  /** Number of current members (DCI group_size). */
  size: number;
  /** Current members, kept in step with the memberships collection (which also keeps ended ones). */
  members: CurrentMember[];
  registrationDate: Date;
  lastUpdated: Date;
  version: number;
  searchName: string;
  /** Its identifiers; each (type, value) is also claimed in identifier_claims. */
  identifiers: EmbeddedIdentifier[];
}

const groupSchema = new Schema<GroupDoc>(
  {
    kind: { type: String, enum: GROUP_KINDS, required: true },
    name: { type: String, required: true },
    address: addressSchema,
    areaCode: String,
    povertyScore: Number,
    povertyScoreType: String,
    size: { type: Number, required: true, default: 0 },
    members: { type: [currentMemberSchema], default: [] },
    registrationDate: { type: Date, required: true },
    lastUpdated: { type: Date, required: true },
    version: { type: Number, required: true, default: 1 },
    searchName: { type: String, required: true },
    identifiers: { type: [embeddedIdentifierSchema], default: [] },
  },
  { collection: 'groups', versionKey: false },
);
groupSchema.index({ searchName: 1 });
groupSchema.index({ areaCode: 1, _id: 1 });
groupSchema.index({ kind: 1, _id: 1 });
groupSchema.index({ 'identifiers.type': 1 });

export const groupModel = (c: mongoose.Connection) => modelOn(c, 'Group', groupSchema);
