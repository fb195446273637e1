/** Groups (households, families): registration, updates and searches. */
import { Types } from 'mongoose';
import type { FilterQuery } from 'mongoose';
import { badInput } from '../errors';
import type { RegistryModels } from '../store/models';
import { GROUP_KINDS, GroupDoc } from '../store/models/group';
import { appendEvent, creationEvent } from './events';
import { announceAdded, checkIdentifiers, claimIdentifiers, embeddedIdentifier, IdentifierInput, identifierHolders } from './identifiers';
import { objectId, oneOf, text } from './input';
import { checkAddressPlaces } from './locations';
import { findPage, Page, PageArgs } from './pagination';
import { AddressInput, checkAddress, Combinators, idList, prefixPattern, selectedIds, updateVersioned, withCombinators } from './registrant';

export interface GroupInput {
  kind?: string | null;
  name?: string | null;
  address?: AddressInput | null;
  povertyScore?: number | null;
  povertyScoreType?: string | null;
}

/** What registering a group needs at least. */
export type NewGroupInput = GroupInput & { kind: string; name: string };

export interface GroupFilter extends Combinators<GroupFilter> {
  ids?: string[] | null;
  namePrefix?: string | null;
  kind?: string | null;
  areaCode?: string | null;
  identifierType?: string | null;
  identifier?: { type: string; value: string } | null;
  minSize?: number | null;
  maxSize?: number | null;
  minPovertyScore?: number | null;
  maxPovertyScore?: number | null;
}

export type GroupSortField = 'size' | 'povertyScore' | 'registrationDate' | 'lastUpdated' | 'name';
const SORT_PATHS: Record<GroupSortField, string> = {
  size: 'size',
  povertyScore: 'povertyScore',
  registrationDate: 'registrationDate',
  lastUpdated: 'lastUpdated',
  name: 'searchName',
};

/** A bounded range; a minimum above its maximum is refused, as an inverted birth-date range is, rather than matching nothing. */
function range(field: string, [minName, min]: [string, number | null | undefined], [maxName, max]: [string, number | null | undefined]) {
  if (min == null && max == null) return undefined;
  if (min != null && max != null && min > max) throw badInput(`${field}.${minName}`, `is above ${field}.${maxName}`);
  return { ...(min != null ? { $gte: min } : {}), ...(max != null ? { $lte: max } : {}) };
}

function checkGroup(input: GroupInput): Partial<GroupDoc> {
  const out: Partial<GroupDoc> = {};
  if (input.kind !== undefined && input.kind !== null) out.kind = oneOf('kind', input.kind, GROUP_KINDS);
  if (input.name !== undefined && input.name !== null) {
    out.name = text('name', input.name, { required: true, max: 150 })!;
    out.searchName = out.name.toLowerCase();
  }
  if (input.address) {
    out.address = checkAddress(input.address, 'address');
    out.areaCode = out.address.areaCode;
  }
  if (input.povertyScore !== undefined && input.povertyScore !== null) {
    if (!Number.isFinite(input.povertyScore) || input.povertyScore < 0 || input.povertyScore > 1000) {
      throw badInput('povertyScore', 'must be between 0 and 1000');
    }
    out.povertyScore = input.povertyScore;
  }
  if (input.povertyScoreType !== undefined) out.povertyScoreType = text('povertyScoreType', input.povertyScoreType, { max: 40 });
  return out;
}

/** The stored form of a new group (identifiers aside) of `size` members, checked with the input rules. */
export function newGroup(input: NewGroupInput, now: Date, size = 0) {
  return { ...checkGroup(input), size, registrationDate: now, lastUpdated: now, version: 1 };
}

export async function createGroup(
  models: RegistryModels,
  input: NewGroupInput & { identifiers?: IdentifierInput[] | null },
  now: Date,
): Promise<GroupDoc> {
  const fields = newGroup(input, now);
  if (fields.address) await checkAddressPlaces(models, [{ address: fields.address, field: 'address' }]);
  // Claims first: a stop before the group is written leaves claims that settling releases.
  const owner = { kind: 'group' as const, id: new Types.ObjectId() };
  const identifiers = checkIdentifiers(input.identifiers).map((i) => embeddedIdentifier(i, now));
  await claimIdentifiers(models, owner, identifiers, now);
  const doc = await models.Group.create({ _id: owner.id, ...fields, identifiers });
  await announceAdded(models, owner, identifiers, now);
  await appendEvent(models, ...creationEvent('group', doc._id, now));
  return (await models.Group.findById(doc._id).lean())!;
}

export async function updateGroup(models: RegistryModels, rawId: string, version: number, input: GroupInput, now: Date): Promise<GroupDoc> {
  const id = objectId('id', rawId);
  const changes = checkGroup(input);
  if (Object.keys(changes).length === 0) throw badInput('input', 'holds no change');
  if (changes.address) await checkAddressPlaces(models, [{ address: changes.address, field: 'address' }]);
  const updated = await updateVersioned(models, models.Group, 'group', id, version, changes, now);
  await appendEvent(models, `${id}:v${updated.version}`, { type: 'updated', registrantKind: 'group', registrantId: id, at: now });
  return updated;
}

export async function groupQuery(
  models: RegistryModels,
  filter: GroupFilter | null | undefined,
  field = 'filter',
  depth = 0,
): Promise<FilterQuery<GroupDoc>> {
  const q: FilterQuery<GroupDoc> = {};
  if (!filter) return q;
  if (filter.namePrefix) q.searchName = prefixPattern(`${field}.namePrefix`, filter.namePrefix);
  if (filter.kind) q.kind = oneOf(`${field}.kind`, filter.kind, GROUP_KINDS);
  if (filter.areaCode) q.areaCode = text(`${field}.areaCode`, filter.areaCode, { max: 40 });
  if (filter.identifierType) q['identifiers.type'] = text(`${field}.identifierType`, filter.identifierType, { max: 40 });
  const ids = selectedIds(
    filter.ids ? idList(`${field}.ids`, filter.ids) : undefined,
    filter.identifier ? await identifierHolders(models, `${field}.identifier`, filter.identifier) : undefined,
  );
  if (ids) q._id = { $in: ids };
  const size = range(field, ['minSize', filter.minSize], ['maxSize', filter.maxSize]);
  if (size) q.size = size;
  const score = range(field, ['minPovertyScore', filter.minPovertyScore], ['maxPovertyScore', filter.maxPovertyScore]);
  if (score) q.povertyScore = score;
  return withCombinators(q, filter, field, depth, (f, path, d) => groupQuery(models, f, path, d));
}

export async function listGroups(models: RegistryModels, filter: GroupFilter | null | undefined, args: PageArgs<GroupSortField>): Promise<Page<GroupDoc>> {
  return findPage(models.Group, await groupQuery(models, filter), args, SORT_PATHS);
}
