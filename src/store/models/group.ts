import mongoose, { Schema, Types } from 'mongoose';
import { Address, addressSchema, modelOn } from './common';

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
  /** Current members, kept in step with memberships (DCI group_size). */
  size: number;
  registrationDate: Date;
  lastUpdated: Date;
  version: number;
  searchName: string;
  identifierTypes: string[];
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
    registrationDate: { type: Date, required: true },
    lastUpdated: { type: Date, required: true },
    version: { type: Number, required: true, default: 1 },
    searchName: { type: String, required: true },
    identifierTypes: { type: [String], default: [] },
  },
  { collection: 'groups', versionKey: false },
);
groupSchema.index({ searchName: 1 });
groupSchema.index({ areaCode: 1, _id: 1 });
groupSchema.index({ kind: 1, _id: 1 });
groupSchema.index({ identifierTypes: 1 });

export const groupModel = (c: mongoose.Connection) => modelOn(c, 'Group', groupSchema);
