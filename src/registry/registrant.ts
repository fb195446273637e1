/** What individuals and groups share: addresses, optimistic versions, filters on names and areas. */
import type { FilterQuery, Model } from 'mongoose';
import { badInput, conflict, notFound } from '../errors';
import type { Address } from '../store/models/common';
import { text } from './input';

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

/** Escapes a user-typed prefix for an anchored (index-friendly) regular expression. */
export function prefixPattern(field: string, prefix: string): RegExp {
  const t = text(field, prefix, { required: true, max: 100 })!.toLowerCase();
  return new RegExp(`^${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
}

/**
 * Applies `changes` only when the stored version is `version`; the version then moves on by one.
 * Throws CONFLICT (STALE_VERSION) when someone else wrote first.
 */
export async function updateVersioned<T extends { version: number }>(
  model: Model<T>,
  what: string,
  id: unknown,
  version: number,
  changes: Record<string, unknown>,
  now: Date,
): Promise<T> {
  const updated = await model
    .findOneAndUpdate(
      { _id: id, version } as FilterQuery<T>,
      { $set: { ...changes, lastUpdated: now }, $inc: { version: 1 } },
      { new: true },
    )
    .lean<T>();
  if (updated) return updated;
  if (!(await model.exists({ _id: id } as FilterQuery<T>))) throw notFound(what);
  throw conflict('STALE_VERSION', `${what} was changed by someone else; reload it and apply your change to version ${version + 1} or later`);
}
