import mongoose, { Schema, Types } from 'mongoose';
import { modelOn } from './common';

export const CRVS_IMPORT_KINDS = ['births', 'deaths'] as const;
export const CRVS_IMPORT_STATES = ['pending', 'running', 'done', 'failed'] as const;

export interface CrvsCounts {
  created: number;
  updated: number;
  unchanged: number;
  review: number;
}

/**
 * One import of a date range from a CRVS data source. Progress is kept per page, so a stopped
 * import resumes after its last finished page; `pages` holds each batch's counts under the number
 * of its first page (re-applying a batch after a crash overwrites them instead of counting twice).
 */
export interface CrvsImportDoc {
  _id: Types.ObjectId;
  /** kind, data source, range and area: an unfinished import with the same key is resumed, not repeated. */
  key: string;
  kind: (typeof CRVS_IMPORT_KINDS)[number];
  dataSource: string;
  from: Date;
  to: Date;
  area?: string;
  pageSize: number;
  state: (typeof CRVS_IMPORT_STATES)[number];
  pagesDone: number;
  totalCount?: number;
  pages: Record<string, CrvsCounts>;
  lastError?: string;
  startedAt: Date;
  updatedAt: Date;
  finishedAt?: Date;
}

const schema = new Schema<CrvsImportDoc>(
  {
    key: { type: String, required: true },
    kind: { type: String, enum: CRVS_IMPORT_KINDS, required: true },
    dataSource: { type: String, required: true },
    from: { type: Date, required: true },
    to: { type: Date, required: true },
    area: String,
    pageSize: { type: Number, required: true },
    state: { type: String, enum: CRVS_IMPORT_STATES, required: true },
    pagesDone: { type: Number, required: true, default: 0 },
    totalCount: Number,
    pages: { type: Schema.Types.Mixed, default: {} },
    lastError: String,
    startedAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    finishedAt: Date,
  },
  { collection: 'crvs_imports', versionKey: false, minimize: false },
);
schema.index({ key: 1, state: 1 });

export const crvsImportModel = (c: mongoose.Connection) => modelOn(c, 'CrvsImport', schema);
