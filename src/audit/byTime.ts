/** Audit records are read by their time `at`: within a range, a page of the newest, or every one oldest first. */
import type { FilterQuery, Model } from 'mongoose';
import { badInput } from '../errors';

export interface TimeRange {
  /** From this time on (inclusive). */
  from?: Date | null;
  /** Before this time (exclusive). */
  to?: Date | null;
}

/** The condition on `at` for the range (none for an open one); `field` names the filter in errors. */
export function atWithin(range: TimeRange, field: string): { at?: { $gte?: Date; $lt?: Date } } {
  if (range.from && range.to && range.from >= range.to) throw badInput(`${field}.to`, 'must be later than from');
  if (!range.from && !range.to) return {};
  return { at: { ...(range.from && { $gte: range.from }), ...(range.to && { $lt: range.to }) } };
}

export const MAX_PAGE = 500;

/** The newest `first` records matching the query (first: 1 to MAX_PAGE). */
export async function newestFirst<T extends { at: Date }>(model: Model<T>, query: FilterQuery<T>, first: number): Promise<T[]> {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw badInput('first', `must be a whole number from 1 to ${MAX_PAGE}`);
  return model.find(query).sort({ at: -1, _id: -1 }).limit(first).lean<T[]>();
}

/** Every record matching the query, oldest first, read in batches (the exports). */
export function oldestFirst<T extends { at: Date }>(model: Model<T>, query: FilterQuery<T>): AsyncIterable<T> {
  return model.find(query).sort({ at: 1, _id: 1 }).lean().cursor({ batchSize: 500 }) as AsyncIterable<T>;
}
