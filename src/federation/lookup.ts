/**
 * The one way partner data is read: stored answers first (one bulk read), then every miss of the
 * batch to the partner in as few envelopes as it allows, then the new answers stored. A partner
 * failure becomes the error of the people it concerns, never of the whole operation. Every person a
 * partner is asked about goes in the fetch audit (`indicator_fetches`, `Individual.indicatorFetches`),
 * whoever asked: a GraphQL field, an indicator, an eligibility evaluation, a refresh run.
 */
import { Types } from 'mongoose';
import { clientFor } from '../dataSources/byKind';
import { GatewayError } from '../errors';
import type { Context } from '../graphql/context';
import type { IndicatorFetchDoc } from '../store/models/indicators';
import type { IndividualDoc } from '../store/models/individual';
import { freshFacts, storeFacts } from './facts';
import { Checked, isUnaskable, PartnerFlow, unanswered } from './flow';
import { Subject, subjectOf } from './subjects';

export type Outcome<V> = Checked<V> | GatewayError;

export interface LookUpOptions {
  /** Ask the partner even when a fresh answer is stored. */
  refresh: boolean;
  /** The indicator refresh run asking, named in the fetch audit. */
  refreshRun?: Types.ObjectId;
}

export async function lookUp<V>(ctx: Context, flow: PartnerFlow<V>, people: readonly IndividualDoc[], opts: LookUpOptions): Promise<Outcome<V>[]> {
  const subjects = people.map(subjectOf);
  const outcomes = new Map<string, Outcome<V>>(opts.refresh ? [] : await freshFacts(ctx.models.PartnerFact, flow, subjects, ctx.now));
  const misses = subjects.filter((s) => !outcomes.has(s.id));
  if (misses.length > 0) {
    const started = performance.now();
    const asked = await askPartner(ctx, flow, misses);
    await recordFetches(ctx, flow, misses, asked, { elapsedMs: Math.round(performance.now() - started), refreshRun: opts.refreshRun });
    for (const [id, outcome] of asked) outcomes.set(id, outcome);
  }
  return subjects.map((s) => outcomes.get(s.id)!);
}

async function askPartner<V>(ctx: Context, flow: PartnerFlow<V>, subjects: Subject[]): Promise<Map<string, Outcome<V>>> {
  let dataSource: string;
  let answers: Awaited<ReturnType<PartnerFlow<V>['ask']>>;
  try {
    const client = await clientFor(ctx.dataSources, ctx.models, flow.registry);
    dataSource = client.source.name;
    answers = await flow.ask(client, subjects);
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return new Map(subjects.map((s) => [s.id, error]));
  }
  const outcomes = new Map<string, Outcome<V>>();
  const answered: { subject: Subject; checked: Checked<V> }[] = [];
  for (const subject of subjects) {
    const answer = answers.get(subject.id) ?? unanswered(dataSource);
    if (answer instanceof GatewayError) {
      outcomes.set(subject.id, answer);
      continue;
    }
    const checked: Checked<V> = { ...answer, checkedAt: ctx.now, dataSource };
    outcomes.set(subject.id, checked);
    answered.push({ subject, checked });
  }
  // A failed write only costs a partner call next time: the answers are served anyway.
  await storeFacts(ctx.models.PartnerFact, flow, answered).catch((error: unknown) => {
    ctx.log.warn({ kind: flow.kind, facts: answered.length, error: (error as Error).message }, 'partner answers not stored');
  });
  return outcomes;
}

/** One fetch-audit record per person asked: the registry, the data source, what came of it, never the answer. */
async function recordFetches<V>(ctx: Context, flow: PartnerFlow<V>, subjects: Subject[], outcomes: Map<string, Outcome<V>>, how: { elapsedMs: number; refreshRun?: Types.ObjectId }): Promise<void> {
  const audit = subjects.map((s): Omit<IndicatorFetchDoc, '_id'> => {
    const outcome = outcomes.get(s.id)!;
    const base = { individual: new Types.ObjectId(s.id), source: flow.registry, elapsedMs: how.elapsedMs, at: ctx.now, ...(how.refreshRun && { refresh: how.refreshRun }) };
    if (!(outcome instanceof GatewayError)) return { ...base, dataSource: outcome.dataSource, outcome: flow.holds(outcome) ? 'ok' : 'not_found' };
    const dataSource = outcome.details.dataSource as string | undefined;
    return { ...base, ...(dataSource && { dataSource }), outcome: isUnaskable(outcome) ? 'not_found' : 'error', error: `${outcome.code}: ${outcome.message}` };
  });
  // The audit records what happened; losing it must not lose the answers themselves.
  await ctx.models.IndicatorFetch.insertMany(audit, { ordered: false }).catch((error: unknown) => {
    ctx.log.warn({ source: flow.registry, people: audit.length, error: (error as Error).message }, 'partner fetch audit not stored');
  });
}
