import mongoose, { Schema } from 'mongoose';
import { modelOn } from './common';

/**
 * The demo seed written into this registry: what it was asked for, the clock it used, and how far
 * it got, so an interrupted seed is completed (with the same ids and values) rather than redone.
 */
export interface SeedRunDoc {
  _id: 'demo';
  seed: number;
  individuals: number;
  /** The seed's clock: registration dates and ages are computed from it, on every resumed run too. */
  at: Date;
  /** Batches fully written; the next one may be partly written. */
  batchesDone: number;
  done: boolean;
}

const schema = new Schema<SeedRunDoc>(
  {
    _id: { type: String, required: true },
    seed: { type: Number, required: true },
    individuals: { type: Number, required: true },
    at: { type: Date, required: true },
    batchesDone: { type: Number, required: true, default: 0 },
    done: { type: Boolean, required: true, default: false },
  },
  { collection: 'seed_runs', versionKey: false },
);

export const seedRunModel = (c: mongoose.Connection) => modelOn(c, 'SeedRun', schema);
