/**
 * CRVS Person records (SPEC-NOTES 4.2, A.3, A.9) read into what the registry needs. Field names are
 * the spec's (`birth_date`, `parent1_identifier`, `identifier[]`), with the older flat spellings
 * (`birthdate`, `deathdate`) accepted; a record we cannot read becomes a review item, not an error.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { NewReviewItem } from './review';

type Json = Record<string, unknown>;

export interface CrvsIdentifier {
  type: string;
  value: string;
}

export interface BirthRecord {
  brn: string;
  /** Other identifiers the record carries (UIN…), the BRN excluded. */
  others: CrvsIdentifier[];
  given: string;
  family: string;
  middle?: string;
  sex: 'male' | 'female' | 'other' | 'unknown';
  birthDate: Date;
  address?: { line?: string; locality?: string; areaCode?: string; regionCode?: string; country?: string };
  /** parent1: the mother in the CRVS profile the sandbox and OpenCRVS use. */
  mother?: CrvsIdentifier;
  /** Tells two records of one BRN apart (the registry registered it twice). */
  digest: string;
  raw: Json;
}

export interface DeathRecord {
  uin: string;
  drn?: string;
  deathDate: Date;
  digest: string;
  raw: Json;
}

export class UnreadableRecord extends Error {
  constructor(
    message: string,
    readonly raw: Json,
    readonly digest: string,
  ) {
    super(message);
  }
}

/** Reads each raw record; one that cannot be read becomes an INVALID_RECORD review item rather than failing its page. */
export function readAll<R>(raws: Json[], read: (raw: Json) => R, kind: NewReviewItem['kind']): { records: R[]; review: NewReviewItem[] } {
  const records: R[] = [];
  const review: NewReviewItem[] = [];
  for (const raw of raws) {
    try {
      records.push(read(raw));
    } catch (error) {
      if (!(error instanceof UnreadableRecord)) throw error;
      review.push({ kind, reason: 'INVALID_RECORD', detail: error.message, sourceKey: `unreadable:${error.digest}`, record: error.raw });
    }
  }
  return { records, review };
}

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
export const digestOf = (raw: Json) => createHash('sha256').update(canonicalize(raw) ?? '').digest('base64url').slice(0, 16);

function identifierOf(v: unknown): CrvsIdentifier | undefined {
  if (!isObject(v)) return undefined;
  const type = str(v.identifier_type) ?? str(v.type) ?? str(v.name);
  const value = str(v.identifier_value) ?? str(v.value) ?? str(v.identifier);
  // Namespaced types (`ns:org:IdentifierType:BRN`) name the same code as the short form.
  return type && value ? { type: type.split(':').pop()!.toUpperCase(), value } : undefined;
}

export function identifiersOf(raw: Json): CrvsIdentifier[] {
  const list = Array.isArray(raw.identifier) ? raw.identifier : raw.identifier ? [raw.identifier] : [];
  const flat = str(raw.identifier_type) && typeof raw.identifier === 'string' ? [{ identifier_type: raw.identifier_type, identifier_value: raw.identifier }] : [];
  return [...list, ...flat].map(identifierOf).filter((i): i is CrvsIdentifier => Boolean(i));
}

/** A calendar day (UTC midnight) from a Date or DateTime; the registry's local time zone does not move the day. */
export function dayOf(v: unknown): Date | undefined {
  const text = str(v);
  if (!text || !/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const day = new Date(`${text.slice(0, 10)}T00:00:00.000Z`);
  return Number.isNaN(day.getTime()) ? undefined : day;
}

export function sexOf(v: unknown): BirthRecord['sex'] {
  const s = str(v)?.toLowerCase();
  if (s === 'male' || s === 'm') return 'male';
  if (s === 'female' || s === 'f') return 'female';
  return s === 'other' ? 'other' : 'unknown';
}

function addressOf(raw: Json): BirthRecord['address'] {
  const first = Array.isArray(raw.address) ? raw.address.find(isObject) : isObject(raw.address) ? raw.address : undefined;
  const place = isObject(raw.birth_place) ? raw.birth_place : undefined;
  const source = first ?? place;
  if (!source) return undefined;
  return {
    line: str(source.address_line1) ?? str(source.address_line),
    locality: str(source.locality),
    areaCode: str(source.sub_region_code) ?? str(place?.sub_region_code),
    regionCode: str(source.region_code),
    country: str(source.country_code),
  };
}

export function readBirth(raw: Json): BirthRecord {
  const digest = digestOf(raw);
  const ids = identifiersOf(raw);
  const brn = ids.find((i) => i.type === 'BRN')?.value;
  const name = isObject(raw.name) ? raw.name : {};
  const given = str(name.given_name);
  const family = str(name.surname);
  const birthDate = dayOf(raw.birth_date ?? raw.birthdate);
  if (!brn || !given || !family || !birthDate) throw new UnreadableRecord('the birth record lacks a BRN, a given name, a surname or a birth date', raw, digest);
  return {
    brn,
    others: ids.filter((i) => i.type !== 'BRN'),
    given,
    family,
    middle: str(name.second_name),
    sex: sexOf(raw.sex),
    birthDate,
    address: addressOf(raw),
    mother: identifierOf(raw.parent1_identifier),
    digest,
    raw,
  };
}

export function readDeath(raw: Json): DeathRecord {
  const digest = digestOf(raw);
  const ids = identifiersOf(raw);
  const uin = ids.find((i) => i.type === 'UIN')?.value;
  const deathDate = dayOf(raw.death_date ?? raw.deathdate);
  if (!uin || !deathDate) throw new UnreadableRecord('the death record lacks a UIN or a death date', raw, digest);
  return { uin, drn: ids.find((i) => i.type === 'DRN')?.value, deathDate, digest, raw };
}

/** `reg_records` is a list in search replies and an object in notifications (SPEC-NOTES 2.4, 2.6). */
export const recordsOf = (regRecords: unknown): Json[] => (Array.isArray(regRecords) ? regRecords : [regRecords]).filter(isObject);
