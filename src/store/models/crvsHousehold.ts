import mongoose, { Schema, Types } from 'mongoose';
import { modelOn } from './common';

/**
 * The household a CRVS import created around a mother, claimed before the group is written: the
 * unique `_id` (the mother) lets exactly one import create it, and a claim whose group is missing
 * (the writer stopped in between) is completed with the claimed group id.
 */
export interface CrvsHouseholdDoc {
  _id: Types.ObjectId;
  group: Types.ObjectId;
  at: Date;
}

const schema = new Schema<CrvsHouseholdDoc>(
  { _id: { type: Schema.Types.ObjectId, required: true }, group: { type: Schema.Types.ObjectId, required: true }, at: { type: Date, required: true } },
  { collection: 'crvs_households', versionKey: false },
);

export const crvsHouseholdModel = (c: mongoose.Connection) => modelOn(c, 'CrvsHousehold', schema);
