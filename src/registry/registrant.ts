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
  const parts: FilterQuery<T>[] = [q];
  if (filter.and?.length) parts.push(...(await Promise.all(filter.and.map((f, i) => build(f, `${field}.and[${i}]`, depth + 1)))));
  if (filter.or?.length) parts.push({ $or: await Promise.all(filter.or.map((f, i) => build(f, `${field}.or[${i}]`, depth + 1))) } as FilterQuery<T>);
  if (filter.not) parts.push({ $nor: [await build(filter.not, `${field}.not`, depth + 1)] } as FilterQuery<T>);
  return parts.length === 1 ? q : ({ $and: parts } as FilterQuery<T>);
}

/** Case-insensitive whole-value match for a user-typed string. */
export function exactPattern(field: string, value: string): RegExp {
  return new RegExp(`^${escapeRegex(text(field, value, { required: true, max: 100 })!)}$`, 'i');
}

/** The ids a filter selects by `_id`: its `ids`, those holding its identifier, or those in both when it gives both. */
export function selectedIds(ids: Types.ObjectId[] | undefined, holders: Types.ObjectId[] | undefined): Types.ObjectId[] | undefined {
  if (!ids || !holders) return ids ?? holders;
  return ids.filter((id) => holders.some((holder) => holder.equals(id)));
}

export function idList(field: string, ids: string[]): Types.ObjectId[] {
  if (ids.length > 100) throw badInput(field, 'may hold at most 100 ids');
  return ids.map((id, i) => objectId(`${field}[${i}]`, id));
}
