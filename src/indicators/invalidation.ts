/**
 * Making values stale when what they were computed from changes: registry events read from the
 * outbox (in order, behind the indicators' own cursor), and CRVS deaths at once when they are
 * applied. A stale value's `expiresAt` becomes the time of the change and `invalidatedAt` records
 * it, so partner answers obtained before the change are asked again rather than reused.
 */
import { Types } from 'mongoose';
import type { RegistryModels } from '../store/models';
import type { OutboxEventDoc } from '../store/models/outbox';
import { allIndicators } from './refs';

const CURSOR = 'outbox';
/** Outbox events read per scan. */
const EVENTS_PER_SCAN = 500;

const slotsWhere = (keep: (source: string) => boolean) => allIndicators().filter((w) => keep(w.definition.source)).map((w) => w.slot);
const REGISTRY_SLOTS = slotsWhere((source) => source === 'registry');
const DEATH_SLOTS = slotsWhere((source) => source === 'registry' || source === 'crvs');
const ALL_SLOTS = slotsWhere(() => true);

/** Slots to make stale, per individual id. */
type Targets = Map<string, Set<string>>;

const add = (targets: Targets, id: Types.ObjectId | string, slots: readonly string[]) => {
  const key = `${id}`;
  const set = targets.get(key) ?? new Set<string>();
  for (const slot of slots) set.add(slot);
  targets.set(key, set);
};

/** Marks the stored values of these slots computed up to `at` stale as of `at`; values not stored stay absent. */
export async function invalidate(models: RegistryModels, targets: Targets, at: Date): Promise<void> {
  if (targets.size === 0) return;
  const ids = [...targets.keys()].map((id) => new Types.ObjectId(id));
  const docs = await models.IndicatorValues.find({ _id: { $in: ids } }, { v: 1 }).lean();
  const writes = docs.flatMap((doc) => {
    const set: Record<string, Date> = {};
    for (const slot of targets.get(`${doc._id}`) ?? []) {
      const value = doc.v?.[slot];
      // Computed after the change (its reads came later): it already reflects it.
      if (!value || value.computedAt > at) continue;
      set[`v.${slot}.invalidatedAt`] = at;
      if (value.expiresAt > at) set[`v.${slot}.expiresAt`] = at;
    }
    return Object.keys(set).length ? [{ updateOne: { filter: { _id: doc._id }, update: { $set: set } } }] : [];
  });
  if (writes.length) await models.IndicatorValues.bulkWrite(writes, { ordered: false });
}

/** A death the CRVS told us about: the person's registry and civil-registry values are stale now. */
export async function invalidateDeath(models: RegistryModels, individual: Types.ObjectId, at: Date): Promise<void> {
  const targets: Targets = new Map();
  add(targets, individual, DEATH_SLOTS);
  await invalidate(models, targets, at);
}

/**
 * What each event makes stale. A change of a person or of a household changes the registry values
 * of everyone in it (sizes, heads, young children); identifiers change what partners are asked
 * with, so every value of the person; a death also the civil-registry ones.
 */
async function targetsOf(models: RegistryModels, events: readonly OutboxEventDoc[]): Promise<Targets> {
  const targets: Targets = new Map();
  const households = new Set<string>();
  const persons = new Set<string>();
  for (const e of events) {
    if (e.type === 'created') continue;
    if (e.registrantKind === 'group') {
      households.add(`${e.registrantId}`);
      if (typeof e.data?.individualId === 'string') add(targets, e.data.individualId, REGISTRY_SLOTS);
      continue;
    }
    persons.add(`${e.registrantId}`);
    add(targets, e.registrantId, e.type === 'deceased' ? DEATH_SLOTS : e.type.startsWith('identifier_') ? ALL_SLOTS : REGISTRY_SLOTS);
  }
  if (persons.size > 0) {
    const people = await models.Individual.find({ _id: { $in: [...persons].map((id) => new Types.ObjectId(id)) } }, { groups: 1 }).lean();
    for (const p of people) for (const g of p.groups) households.add(`${g.group}`);
  }
  if (households.size > 0) {
    const groups = await models.Group.find({ _id: { $in: [...households].map((id) => new Types.ObjectId(id)) } }, { members: 1 }).lean();
    for (const g of groups) for (const m of g.members) add(targets, m.individual, REGISTRY_SLOTS);
  }
  return targets;
}

/** Applies the outbox events after the cursor, then moves it past them; returns how many were read. */
export async function scanOutbox(models: RegistryModels): Promise<number> {
  const cursor = await models.IndicatorCursor.findById(CURSOR).lean();
  if (!cursor && !(await models.IndicatorValues.exists({}))) {
    // No value has been computed yet, so no event so far can make one stale: start after the latest.
    const latest = await models.Outbox.findOne({}, { seq: 1 }).sort({ seq: -1 }).lean();
    if (latest) await models.IndicatorCursor.updateOne({ _id: CURSOR }, { $set: { seq: latest.seq } }, { upsert: true });
    return 0;
  }
  const events = await models.Outbox.find(cursor ? { seq: { $gt: cursor.seq } } : {}).sort({ seq: 1 }).limit(EVENTS_PER_SCAN).lean();
  if (events.length === 0) return 0;
  // Stale as of the change: a value computed after the event but from older data cannot look fresher.
  const at = new Date(Math.max(...events.map((e) => e.at.getTime())));
  await invalidate(models, await targetsOf(models, events), at);
  await models.IndicatorCursor.updateOne({ _id: CURSOR }, { $set: { seq: events[events.length - 1].seq } }, { upsert: true });
  return events.length;
}
