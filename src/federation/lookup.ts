/**
 * The one way partner data is read: stored answers first (one bulk read), then every miss of the
 * batch to the partner in as few envelopes as it allows, then the new answers stored. A partner
 * failure becomes the error of the people it concerns, never of the whole operation.
 */
import { clientFor } from '../dataSources/byKind';
import { GatewayError } from '../errors';
import type { Context } from '../graphql/context';
import type { IndividualDoc } from '../store/models/individual';
import { freshFacts, storeFacts } from './facts';
import { Checked, PartnerFlow, unanswered } from './flow';
import { Subject, subjectOf } from './subjects';

export type Outcome<V> = Checked<V> | GatewayError;

export async function lookUp<V>(ctx: Context, flow: PartnerFlow<V>, people: readonly IndividualDoc[], opts: { refresh: boolean }): Promise<Outcome<V>[]> {
  const subjects = people.map(subjectOf);
  const outcomes = new Map<string, Outcome<V>>(opts.refresh ? [] : await freshFacts(ctx.models.PartnerFact, flow, subjects, ctx.now));
  const misses = subjects.filter((s) => !outcomes.has(s.id));
  if (misses.length > 0) for (const [id, outcome] of await askPartner(ctx, flow, misses)) outcomes.set(id, outcome);
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
