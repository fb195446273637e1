import mongoose, { Schema, Types } from 'mongoose';
import { modelOn } from './common';

export const JOB_STATES = ['pending', 'running', 'done', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/**
 * One durable job. `attempts` counts claims and doubles as the fencing token: only the holder of
 * the current attempt may extend the lease or record the outcome.
 */
export interface JobDoc {
  _id: Types.ObjectId;
  /** Caller-chosen idempotency key: an id, never personal data. */
  key: string;
  kind: string;
  /** BSON-serialisable; keys must not contain `.` (the embedded engine rejects them). */
  payload: unknown;
  state: JobState;
  attempts: number;
  runAt: Date;
  /** Lease: while `running`, the job is re-claimable once this has passed (its runner died). */
  lockedUntil?: Date | null;
  /** Message only: no stack, no payload. */
  lastError?: string;
  finishedAt?: Date;
  createdAt: Date;
  /** The request (and DCI ids) that queued the job, for its log lines and the calls it makes (src/requestScope.ts). */
  scope?: { requestId: string; correlationId?: string; transactionId?: string };
}

const jobSchema = new Schema<JobDoc>(
  {
    key: { type: String, required: true },
    kind: { type: String, required: true },
    payload: { type: Schema.Types.Mixed, default: {} },
    state: { type: String, enum: JOB_STATES, required: true },
    attempts: { type: Number, required: true, default: 0 },
    runAt: { type: Date, required: true },
    lockedUntil: { type: Date, default: null },
    lastError: String,
    finishedAt: Date,
    createdAt: { type: Date, required: true },
    scope: { type: Schema.Types.Mixed },
  },
  { collection: 'jobs', versionKey: false, minimize: false },
);
jobSchema.index({ key: 1 }, { unique: true });
// Claim scans: due pending jobs, and running jobs whose lease has expired.
jobSchema.index({ state: 1, runAt: 1 });
jobSchema.index({ state: 1, lockedUntil: 1 });
// Retention purge of finished jobs.
jobSchema.index({ state: 1, finishedAt: 1 });

/**
 * Claim marker, `_id` = `<job _id>#<attempt>`. FerretDB applies conditional updates and
 * findAndModify as read-then-write, so two workers can both "win" the same update; an insert
 * against the unique `_id` is the one step it does atomically, so claiming an attempt is an insert.
 */
export interface JobClaimDoc {
  _id: string;
  at: Date;
}

const jobClaimSchema = new Schema<JobClaimDoc>(
  { _id: { type: String, required: true }, at: { type: Date, required: true } },
  { collection: 'job_claims', versionKey: false },
);
jobClaimSchema.index({ at: 1 });

export const jobModel = (c: mongoose.Connection) => modelOn(c, 'Job', jobSchema);
export const jobClaimModel = (c: mongoose.Connection) => modelOn(c, 'JobClaim', jobClaimSchema);
