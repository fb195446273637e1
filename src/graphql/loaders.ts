/**
 * Per-request DataLoaders: every registrant a query names is read by `_id`, in one `$in` query per
 * kind, whatever the number of parents. Identifiers and current memberships come with their
 * registrant; only ended memberships need the memberships collection.
 */
import DataLoader from 'dataloader';
import { Types } from 'mongoose';
import type { RegistryModels } from '../store/models';
import type { GroupDoc } from '../store/models/group';
import type { IndividualDoc } from '../store/models/individual';
import type { MembershipDoc } from '../store/models/membership';

const key = (id: Types.ObjectId | string) => `${id}`;

/** One batch of any size comes back in one reply (the driver's default of 101 would add getMores). */
export const LOADER_BATCH = 100_000;

function byId<T extends { _id: Types.ObjectId }>(load: (ids: Types.ObjectId[]) => Promise<T[]>) {
  return new DataLoader<string, T | null>(
    async (ids) => {
      const rows = await load(ids.map((id) => new Types.ObjectId(id)));
      const found = new Map(rows.map((r) => [key(r._id), r]));
      return ids.map((id) => found.get(id) ?? null);
    },
    { maxBatchSize: 1000 },
  );
}

function manyBy<T>(field: (row: T) => Types.ObjectId, load: (ids: Types.ObjectId[]) => Promise<T[]>) {
  return new DataLoader<string, T[]>(
    async (ids) => {
      const rows = await load(ids.map((id) => new Types.ObjectId(id)));
      const grouped = new Map<string, T[]>(ids.map((id) => [id, []]));
      for (const row of rows) grouped.get(key(field(row)))?.push(row);
      return ids.map((id) => grouped.get(id)!);
    },
    { maxBatchSize: 1000 },
  );
}

export function createLoaders(models: RegistryModels) {
  return {
    individual: byId<IndividualDoc>((ids) => models.Individual.find({ _id: { $in: ids } }).batchSize(LOADER_BATCH).lean()),
    group: byId<GroupDoc>((ids) => models.Group.find({ _id: { $in: ids } }).batchSize(LOADER_BATCH).lean()),
    allMembersOfGroup: manyBy<MembershipDoc>((r) => r.group, (ids) => models.Membership.find({ group: { $in: ids } }).sort({ _id: 1 }).batchSize(LOADER_BATCH).lean()),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/**
 * A reference the registry keeps whole (a membership's group, an identifier's holder, an evaluated
 * person) behind a non-null field: a missing one is a fault to log, not a null the schema forbids.
 */
export async function required<T>(load: Promise<T | null>, what: string): Promise<T> {
  const doc = await load;
  if (!doc) throw new Error(`${what} is missing`);
  return doc;
}
