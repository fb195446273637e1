import mongoose, { Schema, Types } from 'mongoose';
import { Address, addressSchema, modelOn } from './common';
import { EmbeddedIdentifier, embeddedIdentifierSchema } from './identifier';
import { CurrentGroup, currentGroupSchema } from './membership';

export const SEXES = ['male', 'female', 'other', 'unknown'] as const;
export const INDIVIDUAL_STATUSES = ['active', 'deceased', 'inactive'] as const;

export interface IndividualDoc {
  _id: Types.ObjectId;
  name: { given: string; family: string; middle?: string };
  sex: (typeof SEXES)[number];
  birthDate?: Date;
  deathDate?: Date;
  status: (typeof INDIVIDUAL_STATUSES)[number];
  addresses: Address[];
  phoneNumbers: string[];
  emails: string[];
  registrationDate: Date;
  lastUpdated: Date;
  version: number;
  /** Lower-cased given and family names, for indexed prefix search. */
  searchNames: string[];
  /** Area of the first address, kept for filters and dashboard counts. */
  areaCode?: string;
  /** Its identifiers; each (type, value) is also claimed in identifier_claims, which keeps pairs unique. */
  identifiers: EmbeddedIdentifier[];
  /** Its current memberships, kept in step with the memberships collection. */
  groups: CurrentGroup[];
}

const individualSchema = new Schema<IndividualDoc>(
  {
    name: { given: { type: String, required: true }, family: { type: String, required: true }, middle: String },
    sex: { type: String, enum: SEXES, required: true },
    birthDate: Date,
    deathDate: Date,
    status: { type: String, enum: INDIVIDUAL_STATUSES, required: true, default: 'active' },
    addresses: { type: [addressSchema], default: [] },
    phoneNumbers: { type: [String], default: [] },
    emails: { type: [String], default: [] },
    registrationDate: { type: Date, required: true },
    lastUpdated: { type: Date, required: true },
    version: { type: Number, required: true, default: 1 },
    searchNames: { type: [String], default: [] },
    areaCode: String,
    identifiers: { type: [embeddedIdentifierSchema], default: [] },
    groups: { type: [currentGroupSchema], default: [] },
  },
  { collection: 'individuals', versionKey: false },
);
individualSchema.index({ searchNames: 1 });
individualSchema.index({ areaCode: 1, _id: 1 });
individualSchema.index({ birthDate: 1 });
individualSchema.index({ status: 1, _id: 1 });
individualSchema.index({ 'identifiers.type': 1 });

export const individualModel = (c: mongoose.Connection) => modelOn(c, 'Individual', individualSchema);
