/**
 * Partner answers for indicators: the stored answer of src/federation when it is fresh and newer
 * than the last change that made the person's values stale, else one batched lookup for all the
 * misses (envelopes of the data source's maxItemsPerEnvelope, within its rate limit, which the
 * client waits for). Every person asked is written to the fetch audit, kept INDICATOR_FETCH_RETENTION_DAYS.
 */
import type { Types } from 'mongoose';
import { GatewayError } from '../errors';
import { freshFacts } from '../federation/facts';
import type { PartnerFlow } from '../federation/flow';
import { lookUp, Outcome } from '../federation/lookup';
import { subjectOf } from '../federation/subjects';
import { createContext } from '../graphql/context';
import type { IndividualDoc } from '../store/models/individual';
import type { IndicatorFetchDoc } from '../store/models/indicators';
import type { IndicatorDeps } from './deps';

/** The partner could not be asked about this person at all: they are unknown to it rather than failed. */
export const isUnaskable = (error: GatewayError) => error.details.reason === 'NO_IDENTIFIER';

export async function partnerAnswers<V>(
  deps: IndicatorDeps,
  flow: PartnerFlow<V>,
  people: readonly IndividualDoc[],
  opts: {
    now: Date;
    /** Per person: answers obtained before this are not reused. */
    invalidatedAt: Map<string, Date>;
    /** How an answer counts in the audit: `not_found` when the partner holds nothing about the person. */
    classify(answer: V): 'ok' | 'not_found';
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
  const started = performance.now();
  const answers = await lookUp(ctx, flow, misses, { refresh: true });
  const elapsedMs = Math.round(performance.now() - started);
  const audit = misses.map((person, i): Omit<IndicatorFetchDoc, '_id'> => {
    const answer = answers[i];
    outcomes.set(`${person._id}`, answer);
    const base = { individual: person._id, source: flow.registry, elapsedMs, at: opts.now, ...(opts.refresh && { refresh: opts.refresh }) };
    if (!(answer instanceof GatewayError)) return { ...base, dataSource: answer.dataSource, outcome: opts.classify(answer) };
    const dataSource = answer.details.dataSource as string | undefined;
    return { ...base, ...(dataSource && { dataSource }), outcome: isUnaskable(answer) ? 'not_found' : 'error', error: `${answer.code}: ${answer.message}` };
  });
  // The audit records what happened; losing it must not lose the answers themselves.
  await deps.models.IndicatorFetch.insertMany(audit, { ordered: false }).catch((error: unknown) => {
    deps.log.warn({ source: flow.registry, people: audit.length, error: (error as Error).message }, 'indicator fetch audit not stored');
  });
  return outcomes;
}
