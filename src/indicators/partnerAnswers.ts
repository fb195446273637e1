/**
 * Partner answers for indicators: the stored answer of src/federation when it is fresh and newer
 * than the last change that made the person's values stale, else one batched lookup for all the
 * misses (envelopes of the data source's maxItemsPerEnvelope, within its rate limit, which the
 * client waits for), which writes each person asked to the fetch audit.
 */
import type { Types } from 'mongoose';
import { freshFacts } from '../federation/facts';
import type { PartnerFlow } from '../federation/flow';
import { lookUp, Outcome } from '../federation/lookup';
import { subjectOf } from '../federation/subjects';
import { createContext } from '../graphql/context';
import type { IndividualDoc } from '../store/models/individual';
import type { IndicatorDeps } from './deps';

export async function partnerAnswers<V>(
  deps: IndicatorDeps,
  flow: PartnerFlow<V>,
  people: readonly IndividualDoc[],
  opts: {
    now: Date;
    /** Per person: answers obtained before this are not reused. */
    invalidatedAt: Map<string, Date>;
    refresh?: Types.ObjectId;
  },
): Promise<Map<string, Outcome<V>>> {
  const stored = await freshFacts(deps.models.PartnerFact, flow, people.map(subjectOf), opts.now);
  const outcomes = new Map<string, Outcome<V>>();
  for (const [id, fact] of stored) {
    const since = opts.invalidatedAt.get(id);
    if (!since || fact.checkedAt > since) outcomes.set(id, fact);
  }
  const misses = people.filter((p) => !outcomes.has(`${p._id}`));
  if (misses.length === 0) return outcomes;

  const ctx = { ...createContext(deps, undefined), now: opts.now };
  const answers = await lookUp(ctx, flow, misses, { refresh: true, refreshRun: opts.refresh });
  misses.forEach((person, i) => outcomes.set(`${person._id}`, answers[i]));
  return outcomes;
}
