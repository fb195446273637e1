import mongoose, { Schema } from 'mongoose';
import { modelOn } from './common';

/**
 * One row per (record, version) ever written. Inserting the row for version n+1 is how a writer
 * claims the right to produce it: the unique `_id` makes exactly one writer win, on every engine.
 * (FerretDB 1.x applies a conditional update as read-then-write, so `{_id, version}` filters alone
 * would let two concurrent writers both succeed.)
 */
export interface VersionClaimDoc {
  _id: string;
  at: Date;
}

const schema = new Schema<VersionClaimDoc>({ _id: { type: String, required: true }, at: { type: Date, required: true } }, { collection: 'version_claims', versionKey: false });

export const versionClaimModel = (c: mongoose.Connection) => modelOn(c, 'VersionClaim', schema);
