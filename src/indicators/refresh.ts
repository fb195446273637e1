/**
 * Refresh runs: recomputing some indicators (all by default) for everyone, or everyone of an area,
 * in batches of people taken in `_id` order. After each batch the run records the last person done,
 * so a run stopped by a restart (or Ctrl-C of the CLI) resumes after it without recomputing anyone
 * before. The same code runs as a durable job of the gateway and in the CLI's own process.
 */
import { Types } from 'mongoose';
import { badInput, notFound } from '../errors';
import { livingIn, placesWithin, scopedPlaces } from '../registry/locations';
import { openOnce } from '../store/openOnce';
import type { RegistryModels } from '../store/models';
import type { IndicatorRefreshDoc } from '../store/models/indicators';
import type { IndicatorDeps } from './deps';
import { allIndicators, parseIndicator, ResolvedIndicator, resolveIndicators } from './refs';
import { BATCH_SIZE, updateBatch } from './values';

export const REFRESH_JOB = 'indicators.refresh';

export class RefreshInterrupted extends Error {
  constructor() {
    super('the refresh was stopped; it resumes after its last finished batch');
    this.name = 'RefreshInterrupted';
  }
}

export interface RefreshRequest {
  /** `name` or `name(argument)`; none means every indicator. */
  indicators?: readonly string[];
  area?: string | null;
}

const resolve = (indicators: readonly string[] | undefined): ResolvedIndicator[] =>
  indicators?.length ? resolveIndicators(indicators.map((text) => parseIndicator(text, 'indicators')), 'indicators') : allIndicators();

/** The people of a run: everyone, or those of its place and the places within it. */
const scopeOf = (places: string[] | null) => (places ? livingIn(places) : {});

/**
 * The unfinished run of the same indicators and area, to be resumed, or a new one. `indicators`
 * are stored as resolved labels, so `dr.severity` and its four arguments are the same request.
 */
export async function openRefresh(models: RegistryModels, request: RefreshRequest, requestedBy: string | undefined, now: Date): Promise<{ doc: IndicatorRefreshDoc; resumed: boolean }> {
  const indicators = resolve(request.indicators).map((w) => w.label).sort();
  if (request.area?.trim() === '') throw badInput('filter.area', 'must not be empty');
  const area = request.area?.trim() || null;
  const places = area ? await scopedPlaces(models, 'filter.area', area) : null;
  const key = `${indicators.join(',')}|${area ?? ''}`;
  return openOnce({
    claims: models.RunClaim,
    runs: models.IndicatorRefresh,
    key,
    create: async (run) => {
      const total = await models.Individual.countDocuments(scopeOf(places));
      const doc = await models.IndicatorRefresh.create({
        _id: run, key, indicators, area, state: 'pending', total, done: 0, failed: 0, after: null, ...(requestedBy && { requestedBy }), createdAt: now, updatedAt: now,
      });
      return doc.toObject();
    },
  });
}


export async function findRefresh(models: RegistryModels, id: string): Promise<IndicatorRefreshDoc | null> {
  return Types.ObjectId.isValid(id) ? models.IndicatorRefresh.findById(id).lean<IndicatorRefreshDoc>() : null;
}

/**
 * Runs (or resumes) a refresh to its end. Each batch's progress is recorded only over the progress
 * it started from, so when two runners meet (a job whose lease was taken over, the CLI beside the
 * gateway) the one behind stops instead of counting people twice.
 */
export async function runRefresh(
  deps: IndicatorDeps,
  id: Types.ObjectId,
  opts: { stopping?: () => boolean; onProgress?: (run: IndicatorRefreshDoc) => void } = {},
): Promise<IndicatorRefreshDoc> {
  const { models } = deps;
  const stored = await models.IndicatorRefresh.findById(id).lean<IndicatorRefreshDoc>();
  if (!stored) throw notFound('indicator refresh');
  if (stored.state === 'done' || stored.state === 'failed') return stored;
  let run = stored;
  const wanted = resolve(run.indicators);
  // One read of the population's ids; people registered after the start are left to the next run.
  // A place removed from the hierarchy since the start still names its own people.
  const places = run.area ? ((await placesWithin(models, run.area)) ?? [run.area]) : null;
  const everyone = (await models.Individual.find(scopeOf(places), { _id: 1 }).sort({ _id: 1 }).lean()).map((p) => p._id);
  const after = run.after;
  let todo = after ? everyone.filter((p) => p.toHexString() > after.toHexString()) : everyone;
  run = await record(models, run, { state: 'running', total: Math.max(run.total, run.done + todo.length) });
  opts.onProgress?.(run);

  while (todo.length > 0) {
    if (opts.stopping?.()) throw new RefreshInterrupted();
    const batch = todo.slice(0, BATCH_SIZE);
    const { failedPeople } = await updateBatch(deps, wanted, batch, { force: true, refresh: run._id });
    run = await record(models, run, { after: batch[batch.length - 1], done: run.done + batch.length, failed: run.failed + failedPeople });
    todo = todo.slice(batch.length);
    opts.onProgress?.(run);
  }
  run = await record(models, run, { state: 'done', total: run.done, finishedAt: new Date() });
  opts.onProgress?.(run);
  return run;
}

/** Stopping for good: the run is marked failed with the reason. */
export async function failRefresh(models: RegistryModels, id: Types.ObjectId, reason: string): Promise<void> {
  await models.IndicatorRefresh.updateOne({ _id: id, state: { $in: ['pending', 'running'] } }, { $set: { state: 'failed', lastError: reason, updatedAt: new Date(), finishedAt: new Date() } });
}

async function record(models: RegistryModels, run: IndicatorRefreshDoc, change: Partial<IndicatorRefreshDoc>): Promise<IndicatorRefreshDoc> {
  const updatedAt = new Date();
  const moved = await models.IndicatorRefresh.updateOne({ _id: run._id, done: run.done, after: run.after }, { $set: { ...change, updatedAt }, $unset: { lastError: 1 } });
  if (moved.matchedCount === 0) throw new RefreshInterrupted();
  return { ...run, ...change, updatedAt };
}
