/** Audit records are read by their time `at`: within a range, a page of the newest, or every one oldest first. */
import mongoose, { type FilterQuery, type Model } from 'mongoose';
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

export interface NewestPage {
  /** 1 to MAX_PAGE. */
  first: number;
  /** The id of the last record of the page before: this page holds the records after it. */
  after?: string | null;
}

/**
 * The records after the given one, newest first. Records share their time (every person of one
 * message, changes made in the same millisecond), so the id breaks ties: a `to` of the last record's
 * time would skip those of its millisecond that did not fit in the page.
 */
async function after<T extends { at: Date }>(model: Model<T>, id: string): Promise<FilterQuery<T>> {
  let mark: { _id: unknown; at: Date } | null;
  try {
    mark = await model.findById(id, { at: 1 }).lean<{ _id: unknown; at: Date }>();
  } catch (error) {
    if (error instanceof mongoose.Error.CastError) throw badInput('after', 'is not the id of a record');
    throw error;
  }
  if (!mark) throw badInput('after', 'is not the id of a record (it may have been pruned)');
  return { $or: [{ at: { $lt: mark.at } }, { at: mark.at, _id: { $lt: mark._id } }] } as FilterQuery<T>;
}

/** A page of the newest records matching the query: the first ones, or those after a record already read. */
export async function newestFirst<T extends { at: Date }>(model: Model<T>, query: FilterQuery<T>, page: NewestPage): Promise<T[]> {
  const { first } = page;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw badInput('first', `must be a whole number from 1 to ${MAX_PAGE}`);
  const paged = page.after != null ? ({ $and: [query, await after(model, page.after)] } as FilterQuery<T>) : query;
  return model.find(paged).sort({ at: -1, _id: -1 }).limit(first).lean<T[]>();
}

/** Every record matching the query, oldest first, read in batches (the exports). */
export function oldestFirst<T extends { at: Date }>(model: Model<T>, query: FilterQuery<T>): AsyncIterable<T> {
  return model.find(query).sort({ at: 1, _id: 1 }).lean().cursor({ batchSize: 500 }) as AsyncIterable<T>;
}
