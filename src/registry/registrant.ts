/** What individuals and groups share: addresses, optimistic versions, filters on names and areas. */
import type { FilterQuery, Model, Types } from 'mongoose';
import type { RegistryModels } from '../store/models';
import { badInput, conflict, notFound } from '../errors';
import type { Address } from '../store/models/common';
import { objectId, text } from './input';
import { claimWrite } from './writeClaim';

export interface AddressInput {
  line?: string | null;
  locality?: string | null;
  areaCode?: string | null;
  regionCode?: string | null;
  country?: string | null;
}

export function checkAddress(input: AddressInput, field: string): Address {
  const country = text(`${field}.country`, input.country, { max: 2 });
  if (country && !/^[A-Z]{2}$/.test(country)) throw badInput(`${field}.country`, 'must be an ISO 3166-1 alpha-2 code');
  return {
    line: text(`${field}.line`, input.line),
    locality: text(`${field}.locality`, input.locality, { max: 100 }),
    areaCode: text(`${field}.areaCode`, input.areaCode, { max: 40 }),
    regionCode: text(`${field}.regionCode`, input.regionCode, { max: 40 }),
    country,
  };
}

const escapeRegex = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Escapes a user-typed prefix for an anchored (index-friendly) regular expression. */
export function prefixPattern(field: string, prefix: string): RegExp {
  return new RegExp(`^${escapeRegex(text(field, prefix, { required: true, max: 100 })!.toLowerCase())}`);
}

/** The write claim of version `version + 1` of a record. */
const nextVersion = (model: { collection: { name: string } }, id: Types.ObjectId, version: number) => `${model.collection.name}:${id}:v${version + 1}`;

/**
 * Applies `changes` only when the stored version is `version`; the version then moves on by one.
 * Throws CONFLICT (STALE_VERSION) when someone else wrote first.
 */
export async function updateVersioned<T extends { version: number }>(
  models: RegistryModels,
  model: Model<T>,
  what: string,
  id: Types.ObjectId,
  version: number,
  changes: Record<string, unknown>,
  now: Date,
): Promise<T> {
  const stale = () =>
    conflict('STALE_VERSION', `${what} was changed by someone else; reload it and apply your change to version ${version + 1} or later`);
  const stillAt = async () => Boolean(await model.exists({ _id: id, version } as FilterQuery<T>));
  if (!(await model.exists({ _id: id } as FilterQuery<T>))) throw notFound(what);
  if (!(await stillAt())) throw stale();
  if (!(await claimWrite(models, nextVersion(model, id, version), stillAt, now))) throw stale();
  const updated = await model
    .findOneAndUpdate({ _id: id, version } as FilterQuery<T>, { $set: { ...changes, lastUpdated: now }, $inc: { version: 1 } }, { new: true })
    .lean<T>();
  if (!updated) throw stale();
  return updated;
}

/**
 * Moves a record to its next version for a change that needs no caller-supplied version (a
 * membership change of a group): claims the next free version number, then writes `changes` with it.
 */
export async function bumpVersion<T extends { version: number }>(
  models: RegistryModels,
  model: Model<T>,
  id: Types.ObjectId,
  changes: () => Promise<Record<string, unknown>>,
  now: Date,
): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const current = await model.findById(id, { version: 1 }).lean<{ version: number }>();
    if (!current) return;
    const stillAt = async () => Boolean(await model.exists({ _id: id, version: current.version } as FilterQuery<T>));
    if (!(await claimWrite(models, nextVersion(model, id, current.version), stillAt, now))) continue;
    const next = current.version + 1;
    await model.updateOne({ _id: id, version: { $lt: next } } as FilterQuery<T>, { $set: { ...(await changes()), version: next, lastUpdated: now } });
    return;
  }
  throw conflict('BUSY', 'the record is being changed by many writers at once; retry');
}

export const MAX_FILTER_DEPTH = 4;

export interface Combinators<F> {
  and?: F[] | null;
  or?: F[] | null;
  not?: F | null;
}

/** Adds the and/or/not parts of a filter, each built by `build` one level deeper. */
export async function withCombinators<F extends Combinators<F>, T>(
  q: FilterQuery<T>,
  filter: F,
  field: string,
  depth: number,
  build: (f: F, field: string, depth: number) => Promise<FilterQuery<T>>,
): Promise<FilterQuery<T>> {
  if ((filter.and?.length || filter.or?.length || filter.not) && depth >= MAX_FILTER_DEPTH) {
    throw badInput(field, `nests filters more than ${MAX_FILTER_DEPTH} levels deep`);
  }
  const ands = filter.and?.length ? await Promise.all(filter.and.map((f, i) => build(f, `${field}.and[${i}]`, depth + 1))) : [];
  const ors = filter.or?.length ? await Promise.all(filter.or.map((f, i) => build(f, `${field}.or[${i}]`, depth + 1))) : [];
  const not = filter.not ? await build(filter.not, `${field}.not`, depth + 1) : undefined;
  if (q._id !== undefined && !listedIds(q)) return combined(q, ands, ors, not);
  // Lists of ids (ids, identifiers, indicator conditions: thousands of people) fold into this
  // level's own `_id` condition, which the engines serve from the `_id` index or match as a set;
  // nested in $and, $or or $nor, each document is compared with the whole list.
  const lists = [listedIds(q)];
  const rest: FilterQuery<T>[] = [];
  for (const part of ands) {
    const ids = listedIds(part);
    if (!ids) {
      rest.push(part);
      continue;
    }
    lists.push(ids);
    const others = { ...part } as FilterQuery<T> & { _id?: unknown };
    delete others._id;
    if (Object.keys(others).length > 0) rest.push(others);
  }
  const onlyIds = (part: FilterQuery<T>) => Object.keys(part).length === 1 && listedIds(part);
  const orIds = ors.length > 0 && ors.every(onlyIds) ? unionOf(ors.map((part) => listedIds(part)!)) : undefined;
  const excluded = not && onlyIds(not) ? listedIds(not)! : undefined;
  const kept = selectedIds(...lists, orIds);
  const own = { ...q } as FilterQuery<T> & { _id?: unknown };
  delete own._id;
  if (kept) own._id = { $in: excluded ? without(kept, excluded) : kept };
  else if (excluded) own._id = { $nin: excluded };
  return combined(own, rest, orIds ? [] : ors, excluded ? undefined : not);
}

/** `q` and the parts of its and/or/not, under one `$and` beside q's own conditions. */
function combined<T>(q: FilterQuery<T>, ands: FilterQuery<T>[], ors: FilterQuery<T>[], not: FilterQuery<T> | undefined): FilterQuery<T> {
  const parts = [...ands, ...(ors.length ? [{ $or: ors }] : []), ...(not ? [{ $nor: [not] }] : [])] as FilterQuery<T>[];
  if (parts.length === 0) return q;
  return q.$and === undefined ? ({ ...q, $and: parts } as FilterQuery<T>) : ({ $and: [q, ...parts] } as FilterQuery<T>);
}

const unionOf = (lists: Types.ObjectId[][]) => [...new Map(lists.flat().map((id) => [id.toHexString(), id])).values()];
const without = (ids: Types.ObjectId[], excluded: Types.ObjectId[]) => {
  const out = new Set(excluded.map((id) => id.toHexString()));
  return ids.filter((id) => !out.has(id.toHexString()));
};

/** Case-insensitive whole-value match for a user-typed string. */
export function exactPattern(field: string, value: string): RegExp {
  return new RegExp(`^${escapeRegex(text(field, value, { required: true, max: 100 })!)}$`, 'i');
}

/**
 * The ids a query lists in a top-level `_id: {$in: […]}` (or, with `$nin`, excludes), its only `_id`
 * condition: a filter by ids, identifier or indicator, or the `not` of one.
 */
export function listedIds(query: FilterQuery<unknown>, operator: '$in' | '$nin' = '$in'): Types.ObjectId[] | undefined {
  const condition = query._id as Record<string, unknown> | undefined;
  return condition && Object.keys(condition).length === 1 && Array.isArray(condition[operator]) ? (condition[operator] as Types.ObjectId[]) : undefined;
}

/** Whether a query selects by a list of ids, in or out: the engines serve such a query to a find, not to an aggregation. */
export const hasIdList = (query: FilterQuery<unknown>) => Boolean(listedIds(query) ?? listedIds(query, '$nin'));

/**
 * The ids a filter selects by `_id`: those every given list holds (its ids, the holders of its
 * identifier, of its indicator condition), as one list, which the engines serve from the `_id` index.
 */
export function selectedIds(...lists: (Types.ObjectId[] | undefined)[]): Types.ObjectId[] | undefined {
  return lists.reduce<Types.ObjectId[] | undefined>((kept, list) => {
    if (!kept || !list) return kept ?? list;
    const inList = new Set(list.map((id) => id.toHexString()));
    return kept.filter((id) => inList.has(id.toHexString()));
  }, undefined);
}

export function idList(field: string, ids: string[]): Types.ObjectId[] {
  if (ids.length > 100) throw badInput(field, 'may hold at most 100 ids');
  return ids.map((id, i) => objectId(`${field}[${i}]`, id));
}
