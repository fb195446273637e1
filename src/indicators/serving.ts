/**
 * Values as readers get them (stale-while-revalidate): a value never computed, or a stale one of a
 * `fail`-policy indicator, is computed before answering; any other stale value is served with its
 * age and recomputed in the background.
 */
import type { Types } from 'mongoose';
import { GatewayError } from '../errors';
import type { StoredIndicatorValue } from '../store/models/indicators';
import type { IndicatorDeps } from './deps';
import type { ResolvedIndicator } from './refs';
import { BATCH_SIZE, isStale, readResolved, updateBatch } from './values';

export interface ServedIndicator {
  indicator: ResolvedIndicator;
  stored: StoredIndicatorValue;
  stale: boolean;
  /** A `fail`-policy value that could not be obtained: an error for the reader, not a value. */
  failure?: GatewayError;
}

/** Recomputes stale values in the background (a durable job). */
export type Revalidate = (individualIds: string[], indicators: string[]) => Promise<void>;

const failureOf = (w: ResolvedIndicator, stored: StoredIndicatorValue) =>
  w.definition.failurePolicy === 'fail' && stored.outcome === 'error'
    ? new GatewayError('UNAVAILABLE', `indicator ${w.label} could not be obtained: ${stored.error ?? 'no answer'}`, { indicator: w.label, reason: 'INDICATOR_FAILED' })
    : undefined;

export async function serveIndicators(
  deps: IndicatorDeps & { revalidate: Revalidate },
  wanted: readonly ResolvedIndicator[],
  ids: readonly Types.ObjectId[],
  now: Date,
): Promise<Map<string, ServedIndicator[]>> {
  let stored = await readResolved(deps, wanted, ids);
  const mustCompute = (id: Types.ObjectId) =>
    wanted.some((w) => {
      const value = stored.get(`${id}`)?.get(w.slot);
      return !value || (w.definition.failurePolicy === 'fail' && isStale(value, now));
    });
  const inline = ids.filter(mustCompute);
  if (inline.length > 0) {
    for (let i = 0; i < inline.length; i += BATCH_SIZE) await updateBatch(deps, wanted, inline.slice(i, i + BATCH_SIZE), { force: false, now });
    stored = new Map([...stored, ...(await readResolved(deps, wanted, inline))]);
  }

  const served = new Map<string, ServedIndicator[]>();
  const staleIds = new Set<string>();
  const staleLabels = new Set<string>();
  for (const id of ids) {
    const values = stored.get(`${id}`);
    const list: ServedIndicator[] = [];
    for (const w of wanted) {
      const value = values?.get(w.slot);
      if (!value) continue; // not a known individual
      const stale = isStale(value, now);
      const failure = failureOf(w, value);
      // A failed `fail`-policy value was just tried again: the next reader tries once more.
      if (stale && !failure) {
        staleIds.add(`${id}`);
        staleLabels.add(w.label);
      }
      list.push({ indicator: w, stored: value, stale, ...(failure && { failure }) });
    }
    served.set(`${id}`, list);
  }
  if (staleIds.size > 0) {
    // Serving must not wait for, or fail with, the background work.
    await deps.revalidate([...staleIds], [...staleLabels]).catch((error: unknown) => {
      deps.log.warn({ people: staleIds.size, error: (error as Error).message }, 'stale indicator values not queued for recomputation');
    });
  }
  return served;
}
