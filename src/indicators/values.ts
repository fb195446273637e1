/**
 * Stored indicator values with their freshness: reading them, and bringing them up to date for a
 * population in batches (registry ones computed from the registry's documents, partner-backed ones
 * read off the partners' answers, one lookup per partner and batch for all indicators it serves),
 * each failure handled by the indicator's policy.
 */
import { Types } from 'mongoose';
import { badInput, GatewayError } from '../errors';
import { isUnaskable } from '../federation/flow';
import type { Outcome } from '../federation/lookup';
import { onlyDuplicates } from '../store/duplicateKey';
import type { StoredIndicatorValue } from '../store/models/indicators';
import type { Derived, IndicatorDefinition, PartnerComputation } from './catalogue';
import type { IndicatorDeps } from './deps';
import { householdViews } from './householdViews';
import { partnerAnswers } from './partnerAnswers';
import { allIndicators, IndicatorRef, ResolvedIndicator, resolveIndicators } from './refs';

export type { StoredIndicatorValue } from '../store/models/indicators';
export type { IndicatorDeps } from './deps';
export type { IndicatorRef } from './refs';

/** People per batch: one read of each collection and one lookup per partner (itself cut into envelopes). */
export const BATCH_SIZE = 200;
/** The embedded FerretDB 1.24 stalls on large bulks of upserts: smaller ones, one after another. */
const WRITES_PER_BULK = 50;
/** A failed value is tried again after this, sooner than its indicator's TTL. */
const RETRY_FAILED_MS = 5 * 60_000;

export const isStale = (value: StoredIndicatorValue, now: Date) => value.expiresAt.getTime() <= now.getTime();

/** What one batch did, for refresh progress and the `fail` policy. */
export interface BatchResult {
  /** People of the batch with at least one value that could not be obtained. */
  failedPeople: number;
  /** Values of `fail`-policy indicators that could not be obtained, per label. */
  failures: Map<string, number>;
}

function objectIds(ids: readonly string[]): Types.ObjectId[] {
  const unique = new Map<string, Types.ObjectId>();
  for (const id of ids) {
    if (!Types.ObjectId.isValid(id) || `${new Types.ObjectId(id)}` !== id.toLowerCase()) throw badInput('individualIds', `"${id}" is not an individual id`);
    unique.set(id.toLowerCase(), new Types.ObjectId(id));
  }
  return [...unique.values()];
}

/** Reads stored values (no fetching) for these people: individual id → slot → value. People with none are left out. */
export async function readIndicatorValues(deps: IndicatorDeps, names: readonly IndicatorRef[], individualIds: readonly string[]): Promise<Map<string, Map<string, StoredIndicatorValue>>> {
  return readResolved(deps, resolveIndicators(names), objectIds(individualIds));
}

export async function readResolved(deps: IndicatorDeps, wanted: readonly ResolvedIndicator[], ids: readonly Types.ObjectId[]): Promise<Map<string, Map<string, StoredIndicatorValue>>> {
  if (ids.length === 0 || wanted.length === 0) return new Map();
  const stored = await storedSlots(deps, wanted.map((w) => w.slot), ids);
  return new Map([...stored].map(([id, slots]) => [id, new Map(wanted.filter((w) => slots[w.slot]).map((w) => [w.slot, slots[w.slot]]))]));
}

type StoredSlots = Record<string, StoredIndicatorValue>;

/** These stored values of these people, by individual id; people with none are left out. */
async function storedSlots(deps: IndicatorDeps, slots: Iterable<string>, ids: readonly Types.ObjectId[]): Promise<Map<string, StoredSlots>> {
  const projection = Object.fromEntries([...slots].map((slot) => [`v.${slot}`, 1]));
  return new Map((await deps.models.IndicatorValues.find({ _id: { $in: ids } }, projection).lean()).map((d) => [`${d._id}`, d.v ?? {}]));
}

/**
 * Makes the named indicators present and fresh for these people; resolves when done, reporting
 * progress after each batch. A value of a `fail`-policy indicator that cannot be obtained rejects
 * with UNAVAILABLE (reason INDICATOR_FAILED) once its batch is stored.
 */
export async function ensureIndicatorValues(
  deps: IndicatorDeps,
  names: readonly IndicatorRef[],
  individualIds: readonly string[],
  opts: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<void> {
  const wanted = resolveIndicators(names);
  const ids = objectIds(individualIds);
  for (let i = 0; i < ids.length; i += BATCH_SIZE) {
    opts.signal?.throwIfAborted();
    const batch = ids.slice(i, i + BATCH_SIZE);
    const { failures } = await updateBatch(deps, wanted, batch, { force: false });
    const [failed] = failures;
    if (failed) {
      const [label, count] = failed;
      throw new GatewayError('UNAVAILABLE', `indicator ${label} could not be obtained for ${count} of the people, and its failure policy is fail`, { indicator: label, reason: 'INDICATOR_FAILED' });
    }
    opts.onProgress?.(Math.min(i + BATCH_SIZE, ids.length), ids.length);
  }
  if (ids.length === 0) opts.onProgress?.(0, 0);
}

/**
 * Computes and stores the wanted values of one batch: with `force` all of them, else those missing
 * or stale. Partner answers still fresh are reused either way.
 */
export async function updateBatch(
  deps: IndicatorDeps,
  wanted: readonly ResolvedIndicator[],
  ids: readonly Types.ObjectId[],
  opts: { force: boolean; refresh?: Types.ObjectId; now?: Date },
): Promise<BatchResult> {
  const now = opts.now ?? new Date();
  const stored = await readStoredForUpdate(deps, wanted, ids);
  const due = (id: string, w: ResolvedIndicator) => {
    const value = stored.get(id)?.[w.slot];
    return opts.force || !value || isStale(value, now);
  };
  const dueIds = ids.filter((id) => wanted.some((w) => due(`${id}`, w)));
  const result: BatchResult = { failedPeople: 0, failures: new Map() };
  if (dueIds.length === 0) return result;
  const people = await deps.models.Individual.find({ _id: { $in: dueIds } }).lean();

  const updates = new Map<string, Record<string, StoredIndicatorValue>>();
  const put = (id: string, w: ResolvedIndicator, value: StoredIndicatorValue) => {
    updates.set(id, { ...updates.get(id), [w.slot]: value });
    if (value.outcome === 'error' && w.definition.failurePolicy === 'fail') result.failures.set(w.label, (result.failures.get(w.label) ?? 0) + 1);
  };

  const registryWanted = wanted.filter((w) => w.definition.computation.from === 'registry');
  const registryPeople = people.filter((p) => registryWanted.some((w) => due(`${p._id}`, w)));
  if (registryPeople.length > 0) {
    const views = await householdViews(deps.models, registryPeople, now);
    const expiresAt = registryExpiry(now);
    for (const p of registryPeople) {
      const id = `${p._id}`;
      for (const w of registryWanted) {
        if (!due(id, w) || w.definition.computation.from !== 'registry') continue;
        put(id, w, success(w.definition.computation.compute(views.get(id)!, w.argument), now, expiresAt(w.definition), 'registry', stored.get(id)?.[w.slot]));
      }
    }
  }

  for (const [flow, flowWanted] of byFlow(wanted)) {
    const flowPeople = people.filter((p) => flowWanted.some((w) => due(`${p._id}`, w)));
    if (flowPeople.length === 0) continue;
    const derive = (w: ResolvedIndicator, answer: unknown) => (w.definition.computation as PartnerComputation).derive(answer, w.argument);
    const answers = await partnerAnswers(deps, flow, flowPeople, {
      now,
      invalidatedAt: invalidations(stored, flow.kind),
      refresh: opts.refresh,
    });
    for (const p of flowPeople) {
      const id = `${p._id}`;
      const answer = answers.get(id)! as Outcome<unknown>;
      for (const w of flowWanted) {
        if (!due(id, w)) continue;
        const previous = stored.get(id)?.[w.slot];
        if (answer instanceof GatewayError) {
          put(id, w, isUnaskable(answer) ? unknownPerson(w.definition, answer, now) : failure(w.definition, answer, now, previous));
        } else {
          const checked = answer as { checkedAt: Date; dataSource: string };
          const expiresAt = new Date(checked.checkedAt.getTime() + w.definition.ttlSeconds * 1000);
          put(id, w, success(derive(w, answer), checked.checkedAt, expiresAt, checked.dataSource, previous));
        }
      }
    }
  }

  const areas = new Map(people.map((p) => [`${p._id}`, p.areaCode ?? null]));
  await writeValues(deps, updates, areas);
  result.failedPeople = [...updates.values()].filter((slots) => Object.values(slots).some((v) => v.outcome === 'error')).length;
  return result;
}

/** The slots of every value derived from this flow's answers. */
const slotsOfFlow = (kind: string) =>
  allIndicators()
    .filter((w) => w.definition.computation.from === 'partner' && w.definition.computation.flow.kind === kind)
    .map((w) => w.slot);

/** The stored wanted values, and every value of the flows they come from (an invalidation of one is read across its flow). */
async function readStoredForUpdate(deps: IndicatorDeps, wanted: readonly ResolvedIndicator[], ids: readonly Types.ObjectId[]): Promise<Map<string, StoredSlots>> {
  const slots = new Set(wanted.map((w) => w.slot));
  for (const flow of byFlow(wanted).keys()) for (const slot of slotsOfFlow(flow.kind)) slots.add(slot);
  return storedSlots(deps, slots, ids);
}

function byFlow(wanted: readonly ResolvedIndicator[]): Map<PartnerComputation['flow'], ResolvedIndicator[]> {
  const groups = new Map<PartnerComputation['flow'], ResolvedIndicator[]>();
  for (const w of wanted) {
    const computation = w.definition.computation;
    if (computation.from !== 'partner') continue;
    groups.set(computation.flow, [...(groups.get(computation.flow) ?? []), w]);
  }
  return groups;
}

/** Per person, the latest invalidation of any value derived from this flow's answers. */
function invalidations(stored: Map<string, StoredSlots>, kind: string): Map<string, Date> {
  const slots = slotsOfFlow(kind);
  const latest = new Map<string, Date>();
  for (const [id, values] of stored) {
    for (const slot of slots) {
      const at = values[slot]?.invalidatedAt;
      if (at && (!latest.has(id) || latest.get(id)! < at)) latest.set(id, at);
    }
  }
  return latest;
}

/** Registry values hold for their TTL, but ages move at midnight (UTC): never past the next one. */
const registryExpiry = (now: Date) => (definition: IndicatorDefinition) => {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return new Date(Math.min(now.getTime() + definition.ttlSeconds * 1000, midnight));
};

/** The latest non-null value, kept through later failures for the `last_known` policy. */
function carried(value: StoredIndicatorValue['value'], at: Date, previous: StoredIndicatorValue | undefined): Pick<StoredIndicatorValue, 'lastKnown' | 'lastKnownAt'> {
  if (value !== null) return { lastKnown: value, lastKnownAt: at };
  return previous?.lastKnown !== undefined && previous.lastKnown !== null ? { lastKnown: previous.lastKnown, lastKnownAt: previous.lastKnownAt } : {};
}

function success(derived: Derived, computedAt: Date, expiresAt: Date, source: string, previous: StoredIndicatorValue | undefined): StoredIndicatorValue {
  return { value: derived.value, computedAt, expiresAt, source, outcome: derived.outcome, ...carried(derived.value, computedAt, previous) };
}

/** The partner cannot know the person (no identifier it knows people by): unknown, whatever the policy. */
function unknownPerson(definition: IndicatorDefinition, error: GatewayError, now: Date): StoredIndicatorValue {
  return { value: null, computedAt: now, expiresAt: new Date(now.getTime() + definition.ttlSeconds * 1000), source: definition.source, outcome: 'not_found', error: error.message };
}

/**
 * A value that could not be obtained, by the indicator's policy: `null` stores null, `last_known`
 * keeps serving the latest known value (with the time it was obtained), `fail` stores null and is
 * stale at once, so that every reader tries again and fails while the partner does.
 */
function failure(definition: IndicatorDefinition, error: GatewayError, now: Date, previous: StoredIndicatorValue | undefined): StoredIndicatorValue {
  const kept = carried(null, now, previous);
  const lastKnown = definition.failurePolicy === 'last_known' && kept.lastKnown !== undefined;
  const retryAt = new Date(now.getTime() + Math.min(RETRY_FAILED_MS, definition.ttlSeconds * 1000));
  return {
    value: lastKnown ? kept.lastKnown! : null,
    computedAt: lastKnown ? kept.lastKnownAt! : now,
    expiresAt: definition.failurePolicy === 'fail' ? now : retryAt,
    source: (error.details.dataSource as string | undefined) ?? definition.source,
    outcome: 'error',
    error: `${error.code}: ${error.message}`,
    ...kept,
  };
}

/** One `$set` per value path: concurrent writers of other indicators of the same person keep theirs. */
async function writeValues(deps: IndicatorDeps, updates: Map<string, StoredSlots>, areas: Map<string, string | null>): Promise<void> {
  const writes = [...updates].map(([id, slots]) => ({
    updateOne: {
      filter: { _id: new Types.ObjectId(id) },
      update: { $set: { area: areas.get(id) ?? null, ...Object.fromEntries(Object.entries(slots).map(([slot, value]) => [`v.${slot}`, value])) } },
      upsert: true,
    },
  }));
  for (let i = 0; i < writes.length; i += WRITES_PER_BULK) {
    const bulk = writes.slice(i, i + WRITES_PER_BULK);
    try {
      await deps.models.IndicatorValues.bulkWrite(bulk, { ordered: false });
    } catch (error) {
      // Another writer inserted one of these people first: the document exists now, so the same $sets update it.
      if (!onlyDuplicates(error)) throw error;
      await deps.models.IndicatorValues.bulkWrite(bulk, { ordered: false });
    }
  }
}
