/** Individuals: registration, updates, deaths and the searches dashboards and partners run. */
import { Types } from 'mongoose';
import type { FilterQuery } from 'mongoose';
import { badInput, conflict, GatewayError, notFound } from '../errors';
import type { RegistryModels } from '../store/models';
import { INDIVIDUAL_STATUSES, IndividualDoc, SEXES } from '../store/models/individual';
import { indicatorHolders, IndicatorFilter } from '../indicators/search';
import { appendEvent, creationEvent } from './events';
import { announceAdded, checkIdentifiers, claimIdentifiers, embeddedIdentifier, IdentifierInput, identifierHolders } from './identifiers';
import { email, list, MAX_NAME, objectId, oneOf, pastDate, phone, text } from './input';
import { checkAddressPlaces } from './locations';
import { findPage, Page, PageArgs } from './pagination';
import { AddressInput, checkAddress, Combinators, exactPattern, idList, prefixPattern, selectedIds, updateVersioned, withCombinators } from './registrant';

export interface NameInput {
  given: string;
  family: string;
  middle?: string | null;
}

export interface IndividualInput {
  name?: NameInput | null;
  sex?: string | null;
  birthDate?: Date | null;
  addresses?: AddressInput[] | null;
  phoneNumbers?: string[] | null;
  emails?: string[] | null;
}

/** What registering an individual needs at least. */
export type NewIndividualInput = IndividualInput & { name: NameInput; sex: string };

export interface IndividualFilter extends Combinators<IndividualFilter> {
  ids?: string[] | null;
  namePrefix?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  identifier?: { type: string; value: string } | null;
  sex?: string | null;
  birthDateFrom?: Date | null;
  birthDateTo?: Date | null;
  areaCode?: string | null;
  status?: string | null;
  identifierType?: string | null;
  indicator?: IndicatorFilter | null;
}

export type IndividualSortField = 'birthDate' | 'registrationDate' | 'lastUpdated' | 'givenName' | 'familyName';
const SORT_PATHS: Record<IndividualSortField, string> = {
  birthDate: 'birthDate',
  registrationDate: 'registrationDate',
  lastUpdated: 'lastUpdated',
  givenName: 'name.given',
  familyName: 'name.family',
};

function checkName(name: NameInput) {
  return {
    given: text('name.given', name.given, { required: true, max: MAX_NAME })!,
    family: text('name.family', name.family, { required: true, max: MAX_NAME })!,
    middle: text('name.middle', name.middle, { max: MAX_NAME }),
  };
}

/** Validates the fields present in `input`; returns the stored form of exactly those fields. */
function checkIndividual(input: IndividualInput, now: Date): Partial<IndividualDoc> {
  const out: Partial<IndividualDoc> = {};
  if (input.name) {
    out.name = checkName(input.name);
    out.searchNames = [out.name.given.toLowerCase(), out.name.family.toLowerCase()];
  }
  if (input.sex !== undefined && input.sex !== null) out.sex = oneOf('sex', input.sex, SEXES);
  if (input.birthDate !== undefined) out.birthDate = pastDate('birthDate', input.birthDate, now);
  const addresses = list('addresses', input.addresses, checkAddress);
  if (addresses) {
    out.addresses = addresses;
    out.areaCode = addresses[0]?.areaCode;
  }
  const phones = list('phoneNumbers', input.phoneNumbers, phone);
  if (phones) out.phoneNumbers = phones;
  const emails = list('emails', input.emails, email);
  if (emails) out.emails = emails;
  return out;
}

/** The places the checked addresses name must be in the location hierarchy, once there is one. */
const checkPlaces = (models: RegistryModels, fields: Partial<IndividualDoc>) =>
  checkAddressPlaces(models, (fields.addresses ?? []).map((address, i) => ({ address, field: `addresses[${i}]` })));

/** The stored form of a new individual (identifiers aside), checked with the input rules. */
export function newIndividual(input: NewIndividualInput, now: Date) {
  return { ...checkIndividual(input, now), status: 'active' as const, registrationDate: now, lastUpdated: now, version: 1 };
}

export async function createIndividual(
  models: RegistryModels,
  input: NewIndividualInput & { identifiers?: IdentifierInput[] | null },
  now: Date,
): Promise<IndividualDoc> {
  const fields = newIndividual(input, now);
  await checkPlaces(models, fields);
  // Claims first: a stop before the individual is written leaves claims that settling releases.
  const owner = { kind: 'individual' as const, id: new Types.ObjectId() };
  const identifiers = checkIdentifiers(input.identifiers).map((i) => embeddedIdentifier(i, now));
  await claimIdentifiers(models, owner, identifiers, now);
  const doc = await models.Individual.create({ _id: owner.id, ...fields, identifiers });
  await announceAdded(models, owner, identifiers, now);
  await appendEvent(models, ...creationEvent('individual', doc._id, now));
  return (await models.Individual.findById(doc._id).lean())!;
}

export async function updateIndividual(
  models: RegistryModels,
  rawId: string,
  version: number,
  input: IndividualInput & { status?: string | null },
  now: Date,
): Promise<IndividualDoc> {
  const id = objectId('id', rawId);
  const changes: Record<string, unknown> = checkIndividual(input, now);
  if (input.status !== undefined && input.status !== null) {
    const status = oneOf('status', input.status, INDIVIDUAL_STATUSES);
    if (status === 'deceased') throw badInput('status', 'use recordDeath to record a death');
    changes.status = status;
  }
  if (Object.keys(changes).length === 0) throw badInput('input', 'holds no change');
  await checkPlaces(models, changes);
  const current = await models.Individual.findById(id, { status: 1, deathDate: 1 }).lean();
  if (current?.status === 'deceased' && changes.status) throw conflict('DECEASED', 'a deceased individual cannot change status');
  // Read at the version the update will apply over, or the update finds that version gone (STALE_VERSION).
  if (current?.deathDate && changes.birthDate instanceof Date && changes.birthDate > current.deathDate) throw badInput('birthDate', 'is after the death date');
  const updated = await updateVersioned(models, models.Individual, 'individual', id, version, changes, now);
  await appendEvent(models, `${id}:v${updated.version}`, { type: 'updated', registrantKind: 'individual', registrantId: id, at: now });
  return updated;
}

/** How often recordDeath reads the person again after a concurrent write. */
const DEATH_ATTEMPTS = 5;

/** Records a death once: a second call with the same date changes nothing; a different date is a conflict. */
export async function recordDeath(models: RegistryModels, rawId: string, deathDate: Date, now: Date): Promise<IndividualDoc> {
  const id = objectId('id', rawId);
  const date = pastDate('deathDate', deathDate, now)!;
  // It takes no version: a concurrent write (the same death recorded, another change) is read again.
  for (let attempt = 0; attempt < DEATH_ATTEMPTS; attempt++) {
    const current = await models.Individual.findById(id).lean();
    if (!current) throw notFound('individual');
    if (current.birthDate && date < current.birthDate) throw badInput('deathDate', 'is before the birth date');
    if (current.status === 'deceased') {
      if (current.deathDate?.getTime() === date.getTime()) return current;
      throw conflict('ALREADY_DECEASED', 'a different death date is already recorded');
    }
    try {
      const updated = await updateVersioned(models, models.Individual, 'individual', id, current.version, { status: 'deceased', deathDate: date }, now);
      await appendEvent(models, `${id}`, { type: 'deceased', registrantKind: 'individual', registrantId: id, data: {}, at: now });
      return updated;
    } catch (error) {
      if (!(error instanceof GatewayError && error.details.reason === 'STALE_VERSION')) throw error;
    }
  }
  throw conflict('BUSY', 'the record is being changed by many writers at once; retry');
}

export async function individualQuery(
  models: RegistryModels,
  filter: IndividualFilter | null | undefined,
  field = 'filter',
  depth = 0,
): Promise<FilterQuery<IndividualDoc>> {
  const q: FilterQuery<IndividualDoc> = {};
  if (!filter) return q;
  if (filter.namePrefix) q.searchNames = prefixPattern(`${field}.namePrefix`, filter.namePrefix);
  if (filter.givenName) q['name.given'] = exactPattern(`${field}.givenName`, filter.givenName);
  if (filter.familyName) q['name.family'] = exactPattern(`${field}.familyName`, filter.familyName);
  const ids = selectedIds(
    filter.ids ? idList(`${field}.ids`, filter.ids) : undefined,
    filter.identifier ? await identifierHolders(models, `${field}.identifier`, filter.identifier) : undefined,
    filter.indicator ? await indicatorHolders(models, `${field}.indicator`, filter.indicator) : undefined,
  );
  if (ids) q._id = { $in: ids };
  if (filter.sex) q.sex = oneOf(`${field}.sex`, filter.sex, SEXES);
  if (filter.status) q.status = oneOf(`${field}.status`, filter.status, INDIVIDUAL_STATUSES);
  if (filter.areaCode) q.areaCode = text(`${field}.areaCode`, filter.areaCode, { max: 40 });
  if (filter.identifierType) q['identifiers.type'] = text(`${field}.identifierType`, filter.identifierType, { max: 40 });
  if (filter.birthDateFrom || filter.birthDateTo) {
    if (filter.birthDateFrom && filter.birthDateTo && filter.birthDateFrom > filter.birthDateTo) {
      throw badInput(`${field}.birthDateFrom`, `is after ${field}.birthDateTo`);
    }
    q.birthDate = {
      ...(filter.birthDateFrom ? { $gte: filter.birthDateFrom } : {}),
      ...(filter.birthDateTo ? { $lte: filter.birthDateTo } : {}),
    };
  }
  return withCombinators(q, filter, field, depth, (f, path, d) => individualQuery(models, f, path, d));
}

export async function listIndividuals(
  models: RegistryModels,
  filter: IndividualFilter | null | undefined,
  args: PageArgs<IndividualSortField>,
): Promise<Page<IndividualDoc>> {
  return findPage(models.Individual, await individualQuery(models, filter), args, SORT_PATHS);
}
