/**
 * Data written by an older gateway, brought to the current shape once, at start. The shape's
 * version is kept in `store_meta`; each step reads what it needs from the older collections and
 * writes with idempotent upserts and `$set`s, so an upgrade stopped half-way is simply run again.
 *
 * Shape 2: identifiers held by their registrant and claimed in `identifier_claims` (shape 1 kept
 * them in `identifiers`, one document each); current members held by their group and current
 * groups by their individual (shape 1 read them from `memberships` only).
 */
import mongoose, { Types } from 'mongoose';
import type { AnyBulkWriteOperation } from 'mongodb';
import { claimKey, EmbeddedIdentifier } from './models/identifier';
import { asGroup, asMember, MembershipDoc } from './models/membership';

export const REGISTRY_SHAPE = 2;
const META_ID = 'registry-shape';

interface ShapeOneIdentifier extends EmbeddedIdentifier {
  registrantKind: 'individual' | 'group';
  registrant: Types.ObjectId;
}

interface Meta {
  _id: string;
  version: number;
}

/** Upgrades the registry's data to the current shape; a no-op when it is already there. */
export async function upgradeRegistry(c: mongoose.Connection): Promise<void> {
  const meta = c.db!.collection<Meta>('store_meta');
  const stored = await meta.findOne({ _id: META_ID });
  if ((stored?.version ?? 1) >= REGISTRY_SHAPE) return;
  // Filtered in here: not every engine applies a listCollections filter.
  const names = (await c.db!.listCollections({}, { nameOnly: true }).toArray()).map((x) => x.name);
  if (names.includes('identifiers')) await embedIdentifiers(c);
  await embedMemberships(c);
  await meta.updateOne({ _id: META_ID }, { $set: { version: REGISTRY_SHAPE } }, { upsert: true });
}

const inBatches = async <T>(ops: T[], write: (batch: T[]) => Promise<unknown>) => {
  for (let i = 0; i < ops.length; i += 1000) await write(ops.slice(i, i + 1000));
};

/** Claims and registrant copies from shape 1's identifier documents; the old collection is dropped last. */
async function embedIdentifiers(c: mongoose.Connection): Promise<void> {
  const old = await c.db!.collection<ShapeOneIdentifier>('identifiers').find({}).sort({ _id: 1 }).toArray();
  const copy = (i: ShapeOneIdentifier): EmbeddedIdentifier => ({
    _id: i._id, type: i.type, value: i.value, ...(i.issuer !== undefined && { issuer: i.issuer }), verificationStatus: i.verificationStatus, createdAt: i.createdAt,
  });
  await inBatches(old, (batch) =>
    c.db!.collection('identifier_claims').bulkWrite(
      batch.map((i) => ({
        updateOne: {
          filter: { _id: claimKey(i.type, i.value) as never },
          update: { $setOnInsert: { identifier: copy(i), registrantKind: i.registrantKind, registrant: i.registrant, at: i.createdAt } },
          upsert: true,
        },
      })),
      { ordered: false },
    ),
  );
  for (const kind of ['individual', 'group'] as const) {
    const byOwner = new Map<string, EmbeddedIdentifier[]>();
    for (const i of old.filter((o) => o.registrantKind === kind)) byOwner.set(`${i.registrant}`, [...(byOwner.get(`${i.registrant}`) ?? []), copy(i)]);
    const registrants = c.db!.collection(kind === 'individual' ? 'individuals' : 'groups');
    await registrants.updateMany({}, { $unset: { identifierTypes: '' } });
    await inBatches([...byOwner], (batch) =>
      registrants.bulkWrite(batch.map(([id, identifiers]) => ({ updateOne: { filter: { _id: new Types.ObjectId(id) }, update: { $set: { identifiers } } } })), { ordered: false }),
    );
    await registrants.updateMany({ identifiers: { $exists: false } }, { $set: { identifiers: [] } });
  }
  await c.db!.collection('identifiers').drop();
}

/** Current members onto their groups and current groups onto their individuals, from `memberships`. */
async function embedMemberships(c: mongoose.Connection): Promise<void> {
  const current = (await c.db!.collection('memberships').find({ endDate: null }).sort({ _id: 1 }).toArray()) as MembershipDoc[];
  const embed = async <T>(collection: string, field: 'members' | 'groups', owner: (m: MembershipDoc) => Types.ObjectId, entry: (m: MembershipDoc) => T) => {
    const byOwner = new Map<string, T[]>();
    for (const m of current) byOwner.set(`${owner(m)}`, [...(byOwner.get(`${owner(m)}`) ?? []), entry(m)]);
    const ops: AnyBulkWriteOperation[] = [...byOwner].map(([id, list]) => ({ updateOne: { filter: { _id: new Types.ObjectId(id) }, update: { $set: { [field]: list } } } }));
    await inBatches(ops, (batch) => c.db!.collection(collection).bulkWrite(batch, { ordered: false }));
    await c.db!.collection(collection).updateMany({ [field]: { $exists: false } }, { $set: { [field]: [] } });
  };
  await embed('groups', 'members', (m) => m.group, asMember);
  await embed('individuals', 'groups', (m) => m.individual, asGroup);
}
