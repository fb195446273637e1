/**
 * Reading partner records defensively: registries differ in spelling (`enrollment_*` / `enrolment_*`),
 * send dates or date-times, and a single record where a list is expected. Nothing here keeps a payload.
 */
import type { SearchResponseItem } from '../../adapters/dci/protocol';
import type { PersonIdentifier } from './subjects';

export type Rec = Record<string, unknown>;

export const isRecord = (value: unknown): value is Rec => typeof value === 'object' && value !== null && !Array.isArray(value);

export const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);

/** The first of `keys` holding text (or a number, as some registries send codes). */
export function textOf(record: Rec, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = record[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    if (typeof value === 'number') return String(value);
  }
  return undefined;
}

/** The calendar day of a date or date-time, as written by the partner (no time-zone shift). */
export function dayOf(value: string | undefined): Date | undefined {
  const match = value && /^(\d{4}-\d{2}-\d{2})/.exec(value);
  if (!match) return undefined;
  const day = new Date(`${match[1]}T00:00:00.000Z`);
  return Number.isNaN(day.getTime()) ? undefined : day;
}

export function instantOf(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : value);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** `[{identifier_type, identifier_value}]`, the SPDCI Identifier list. */
export function identifiersOf(value: unknown): PersonIdentifier[] {
  return listOf(value).flatMap((entry) => {
    if (!isRecord(entry)) return [];
    const type = textOf(entry, 'identifier_type', 'type');
    const id = textOf(entry, 'identifier_value', 'value');
    return type && id ? [{ type, value: id }] : [];
  });
}

/** The records of a search answer item; empty when the item found none. */
export const recordsOf = (item: Pick<SearchResponseItem, 'data'>): Rec[] => listOf(item.data?.reg_records).filter(isRecord);
