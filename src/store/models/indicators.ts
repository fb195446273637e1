/**
 * Indicator storage: the values (one document per individual), the refresh runs and their durable
 * progress, the fetch audit, and the indicators' own cursor over the outbox.
 */
import mongoose, { Schema, Types } from 'mongoose';
import { modelOn } from './common';

export type StoredValue = boolean | number | string | Date | null;

/** One (indicator, argument) value of one person, under `v.<slot>`. */
export interface StoredIndicatorValue {
  value: StoredValue;
  computedAt: Date;
  /** Stale from then on; an invalidation sets it to the time of the change. */
  expiresAt: Date;
  /** `registry`, or the data source that answered. */
  source: string;
  outcome: 'ok' | 'not_found' | 'error';
  /** Why the value could not be obtained (a message without personal data). */
  error?: string;
  /** The latest non-null value, kept through failures for the `last_known` policy. */
  lastKnown?: StoredValue;
  lastKnownAt?: Date;
  /** When a change made this value stale: partner answers obtained before it are not reused. */
  invalidatedAt?: Date;
}

/**
 * `_id` is the individual's `_id`; `area` is copied from the individual so a population can be
 * filtered by area without a join. Each value is written with `$set` on its own path, so writers of
 * different indicators never overwrite each other.
 */
export interface IndicatorValuesDoc {
  _id: Types.ObjectId;
  area: string | null;
  v: Record<string, StoredIndicatorValue>;
}

const valuesSchema = new Schema<IndicatorValuesDoc>(
  { _id: { type: Schema.Types.ObjectId, required: true }, area: { type: String, default: null }, v: { type: Schema.Types.Mixed, default: {} } },
  { collection: 'indicator_values', versionKey: false, minimize: false },
);
valuesSchema.index({ area: 1, _id: 1 });

export const REFRESH_STATES = ['pending', 'running', 'done', 'failed'] as const;
export type RefreshState = (typeof REFRESH_STATES)[number];

/**
 * One refresh of some indicators over a population. People are taken in `_id` order in batches;
 * `after` is the last individual of the last finished batch, so a run stopped by a restart resumes
 * after it and never recomputes the people before.
 */
export interface IndicatorRefreshDoc {
  _id: Types.ObjectId;
  /** Indicators and area: an unfinished run with the same key is resumed, not repeated. */
  key: string;
  /** `name` or `name(argument)`, as asked. */
  indicators: string[];
  area: string | null;
  state: RefreshState;
  total: number;
  done: number;
  /** People of finished batches with at least one value that could not be obtained. */
  failed: number;
  after: Types.ObjectId | null;
  lastError?: string;
  requestedBy?: string;
  createdAt: Date;
  updatedAt: Date;
  finishedAt?: Date;
}

const refreshSchema = new Schema<IndicatorRefreshDoc>(
  {
    key: { type: String, required: true },
    indicators: { type: [String], required: true },
    area: { type: String, default: null },
    state: { type: String, enum: REFRESH_STATES, required: true },
    total: { type: Number, required: true },
    done: { type: Number, required: true, default: 0 },
    failed: { type: Number, required: true, default: 0 },
    after: { type: Schema.Types.ObjectId, default: null },
    lastError: String,
    requestedBy: String,
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    finishedAt: Date,
  },
  { collection: 'indicator_refreshes', versionKey: false, minimize: false },
);
refreshSchema.index({ key: 1, state: 1 });

/** One person in one partner fetch: what was asked, of whom, how it went and how long it took. */
export interface IndicatorFetchDoc {
  _id: Types.ObjectId;
  individual: Types.ObjectId;
  /** The registry kind asked (crvs, dr, ibr). */
  source: string;
  /** The data source that was asked; absent when none is configured. */
  dataSource?: string;
  outcome: 'ok' | 'not_found' | 'error';
  elapsedMs: number;
  /** The error code and message, never partner payloads or personal data. */
  error?: string;
  /** The refresh run that fetched, if any. */
  refresh?: Types.ObjectId;
  at: Date;
}

const fetchSchema = new Schema<IndicatorFetchDoc>(
  {
    individual: { type: Schema.Types.ObjectId, required: true },
    source: { type: String, required: true },
    dataSource: String,
    outcome: { type: String, required: true },
    elapsedMs: { type: Number, required: true },
    error: String,
    refresh: Schema.Types.ObjectId,
    at: { type: Date, required: true },
  },
  { collection: 'indicator_fetches', versionKey: false },
);
fetchSchema.index({ individual: 1, at: -1 });

/** How far the indicators have read the outbox. */
export interface IndicatorCursorDoc {
  _id: string;
  seq: Types.ObjectId;
}

const cursorSchema = new Schema<IndicatorCursorDoc>(
  { _id: { type: String, required: true }, seq: { type: Schema.Types.ObjectId, required: true } },
  { collection: 'indicator_cursor', versionKey: false },
);

export function indicatorModels(c: mongoose.Connection) {
  return {
    IndicatorValues: modelOn(c, 'IndicatorValues', valuesSchema),
    IndicatorRefresh: modelOn(c, 'IndicatorRefresh', refreshSchema),
    IndicatorFetch: modelOn(c, 'IndicatorFetch', fetchSchema),
    IndicatorCursor: modelOn(c, 'IndicatorCursor', cursorSchema),
  };
}
