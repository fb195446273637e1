/** Groups (households, families): registration, updates and searches. */
import type { FilterQuery } from 'mongoose';
import { badInput } from '../errors';
import type { RegistryModels } from '../store/models';
import { GROUP_KINDS, GroupDoc } from '../store/models/group';
import { appendEvent } from './events';
import { assertIdentifiersFree, attachIdentifiers, checkIdentifier, IdentifierInput } from './identifiers';
import { list, objectId, oneOf, text } from './input';
import { decodeCursor, Page, pageSize } from './pagination';
import { AddressInput, checkAddress, prefixPattern, updateVersioned } from './registrant';

export interface GroupInput {
  kind?: string | null;
  name?: string | null;
  address?: AddressInput | null;
  povertyScore?: number | null;
  povertyScoreType?: string | null;
}

export interface GroupFilter {
  namePrefix?: string | null;
  kind?: string | null;
  areaCode?: string | null;
  identifierType?: string | null;
  minSize?: number | null;
  maxSize?: number | null;
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

export async function createGroup(
  models: RegistryModels,
  input: GroupInput & { kind: string; name: string; identifiers?: IdentifierInput[] | null },
  now: Date,
): Promise<GroupDoc> {
  const fields = checkGroup(input);
  const ids = list('identifiers', input.identifiers, checkIdentifier) ?? [];
  await assertIdentifiersFree(models, ids);
  const doc = await models.Group.create({ ...fields, size: 0, registrationDate: now, lastUpdated: now, version: 1 });
  try {
    await attachIdentifiers(models, { kind: 'group', id: doc._id }, ids, now);
  } catch (error) {
    await models.Group.deleteOne({ _id: doc._id });
    throw error;
  }
  await appendEvent(models, `${doc._id}:v1`, { type: 'created', registrantKind: 'group', registrantId: doc._id, at: now });
  return (await models.Group.findById(doc._id).lean())!;
}

export async function updateGroup(models: RegistryModels, rawId: string, version: number, input: GroupInput, now: Date): Promise<GroupDoc> {
  const id = objectId('id', rawId);
  const changes = checkGroup(input);
  if (Object.keys(changes).length === 0) throw badInput('input', 'holds no change');
  const updated = await updateVersioned(models.Group, 'group', id, version, changes, now);
  await appendEvent(models, `${id}:v${updated.version}`, { type: 'updated', registrantKind: 'group', registrantId: id, at: now });
  return updated;
}

export function groupQuery(filter: GroupFilter | null | undefined): FilterQuery<GroupDoc> {
  const q: FilterQuery<GroupDoc> = {};
  if (!filter) return q;
  if (filter.namePrefix) q.searchName = prefixPattern('filter.namePrefix', filter.namePrefix);
  if (filter.kind) q.kind = oneOf('filter.kind', filter.kind, GROUP_KINDS);
  if (filter.areaCode) q.areaCode = text('filter.areaCode', filter.areaCode, { max: 40 });
  if (filter.identifierType) q.identifierTypes = text('filter.identifierType', filter.identifierType, { max: 40 });
  if (filter.minSize != null || filter.maxSize != null) {
    q.size = { ...(filter.minSize != null ? { $gte: filter.minSize } : {}), ...(filter.maxSize != null ? { $lte: filter.maxSize } : {}) };
  }
  return q;
}

export async function listGroups(
  models: RegistryModels,
  filter: GroupFilter | null | undefined,
  first: number | null | undefined,
  after: string | null | undefined,
): Promise<Page<GroupDoc>> {
  const size = pageSize(first);
  const q = groupQuery(filter);
  const paged = after ? { ...q, _id: { $gt: decodeCursor(after) } } : q;
  const rows = await models.Group.find(paged).sort({ _id: 1 }).limit(size + 1).lean();
  return { items: rows.slice(0, size), hasNextPage: rows.length > size, totalCount: () => models.Group.countDocuments(q).exec() };
}
