import mongoose, { Schema, Types } from 'mongoose';
import { modelOn } from './common';

/**
 * One row per kind of run and request (an indicator refresh of some indicators and area, a CRVS import
 * of a range): the run that request opened last. Inserting it is how a caller claims the right to open
 * a new run; the unique `_id` makes exactly one of concurrent callers win, on every engine. The row
 * stays once its run has ended and is replaced by the next caller (`src/store/openOnce.ts`).
 */
export interface RunClaimDoc {
  _id: string;
  run: Types.ObjectId;
  at: Date;
}

const schema = new Schema<RunClaimDoc>(
  { _id: { type: String, required: true }, run: { type: Schema.Types.ObjectId, required: true }, at: { type: Date, required: true } },
  { collection: 'run_claims', versionKey: false },
);

export const runClaimModel = (c: mongoose.Connection) => modelOn(c, 'RunClaim', schema);
