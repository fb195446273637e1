/**
 * Evaluating a programme's rule over a population, and explaining it for one person. Values come
 * from the stored indicators: those the rule names are first brought up to date for the people
 * whose values are missing or stale (in batches, partners asked in multi-person envelopes), then the
 * rule runs where the values are: compiled into database filters when it can be, else in the gateway
 * over values read in batches. Every evaluation is recorded with its rule version and counts.
 */
import type { FilterQuery, Types } from 'mongoose';
import { requireScopes, type Principal } from '../auth/principal';
import type { Scope } from '../auth/scopes';
import { badInput, notFound } from '../errors';
import { ensureIndicatorValues, isStale, readIndicatorValues, type IndicatorDeps, type StoredIndicatorValue } from '../indicators/values';
import { objectId, text } from '../registry/input';
import { livingIn, scopedPlaces } from '../registry/locations';
import { decodeCursor, pageSize } from '../registry/pagination';
import type { IndicatorValuesDoc } from '../store/models/indicators';
import type { EligibilityCounts, EligibilityEvaluationDoc, EvaluationStrategy, ProgramDoc } from '../store/models/program';
import { findProgram } from './programs';
import { CheckedRule, IndicatorReference, referenceText, RuleValues, runnableRule } from './rule';
import { allOf, compileRule } from './ruleQuery';

/** People whose values are read per round trip when the rule runs in the gateway. */
const READ_BATCH = 1000;

export interface EligibilityFilter {
  areaCode?: string | null;
}

export interface EvaluationRequest {
  programId: string;
  filter?: EligibilityFilter | null;
  first?: number | null;
  after?: string | null;
  /** Called as the values of people whose values were missing or stale are brought up to date. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface EligibilityEvaluation {
  program: ProgramDoc;
  record: EligibilityEvaluationDoc;
  /** One page of the eligible people, in id order. */
  eligible: Types.ObjectId[];
  hasNextPage: boolean;
}

/** What reading a rule's result needs: the scopes of every indicator it uses (partner-backed ones are personal data). */
export function scopesOfRule(rule: CheckedRule): Scope[] {
  return [...new Set(rule.references.flatMap((r) => r.definition.scopes))];
}

/** The programme and its checked rule, refused unless the caller may read every indicator the rule uses. */
async function programFor(deps: IndicatorDeps, rawId: string, principal: Principal | undefined): Promise<{ program: ProgramDoc; rule: CheckedRule }> {
  const program = await findProgram(deps.models, rawId, 'programId');
  const rule = runnableRule(program.rule);
  if (principal) requireScopes(principal, ...scopesOfRule(rule));
  return { program, rule };
}

const refsOf = (rule: CheckedRule) => rule.references.map(({ name, argument }) => ({ name, ...(argument !== undefined && { argument }) }));

/**
 * Asks for fresh values only for the people who need them: those with a stale or missing value of
 * one of the rule's indicators (found where the values are), and those without any stored values
 * yet (looked for only when the population outnumbers the stored documents). Returns the population's size.
 */
async function bringUpToDate(deps: IndicatorDeps, rule: CheckedRule, places: string[] | undefined, scope: FilterQuery<IndicatorValuesDoc>, now: Date, req: EvaluationRequest): Promise<number> {
  const values = deps.models.IndicatorValues;
  const people = places ? livingIn(places) : {};
  // Without an area, the collections' own counts: the engines answer them without reading the documents.
  const population = places ? await deps.models.Individual.countDocuments(people) : await deps.models.Individual.estimatedDocumentCount();
  const stored = places ? await values.countDocuments(scope) : await values.estimatedDocumentCount();
  // Not all fresh: one clause, so the engines test each document once (a missing value is never fresh).
  const staleOrMissing = { $nor: [Object.fromEntries(rule.references.map((r) => [`v.${r.slot}.expiresAt`, { $gt: now }]))] };
  let due = (await values.find(allOf(scope, staleOrMissing), { _id: 1 }).lean()).map((d) => `${d._id}`);
  if (stored < population) {
    const withValues = new Set((await values.find(scope, { _id: 1 }).lean()).map((d) => `${d._id}`));
    const everyone = await deps.models.Individual.find(people, { _id: 1 }).lean();
    due = [...everyone.map((p) => `${p._id}`).filter((id) => !withValues.has(id)), ...due];
  }
  await ensureIndicatorValues(deps, refsOf(rule), due, { onProgress: req.onProgress, signal: req.signal });
  return population;
}

interface Outcome {
  counts: Omit<EligibilityCounts, 'unknown'>;
  eligible: Types.ObjectId[];
  hasNextPage: boolean;
}

/** Two reads: the eligible (their ids, for the count and the page) and the count of the not eligible. */
async function countInDatabase(deps: IndicatorDeps, filters: NonNullable<ReturnType<typeof compileRule>>, scope: FilterQuery<IndicatorValuesDoc>, size: number, after: Types.ObjectId | undefined): Promise<Outcome> {
  const values = deps.models.IndicatorValues;
  const within = (filter: FilterQuery<IndicatorValuesDoc>) => allOf(scope, filter);
  const eligible = (await values.find(within(filters.eligible), { _id: 1 }).lean()).map((d) => d._id).sort((a, b) => a.toHexString().localeCompare(b.toHexString()));
  const notEligible = await values.countDocuments(within(filters.notEligible));
  const rest = after ? eligible.filter((id) => id.toHexString() > after.toHexString()) : eligible;
  return { counts: { eligible: eligible.length, notEligible }, eligible: rest.slice(0, size), hasNextPage: rest.length > size };
}

const presentValues = (slots: Record<string, StoredIndicatorValue | undefined> | undefined, rule: CheckedRule): RuleValues => {
  const values = new Map<string, Exclude<StoredIndicatorValue['value'], null>>();
  for (const ref of rule.references) {
    const value = slots?.[ref.slot]?.value;
    if (value !== null && value !== undefined) values.set(ref.slot, value);
  }
  return values;
};

async function evaluateInGateway(deps: IndicatorDeps, rule: CheckedRule, scope: FilterQuery<IndicatorValuesDoc>, size: number, after: Types.ObjectId | undefined): Promise<Outcome> {
  const projection = Object.fromEntries(rule.references.map((r) => [`v.${r.slot}.value`, 1]));
  const outcome: Outcome = { counts: { eligible: 0, notEligible: 0 }, eligible: [], hasNextPage: false };
  const cursor = deps.models.IndicatorValues.find(scope, projection).sort({ _id: 1 }).batchSize(READ_BATCH).lean().cursor();
  for await (const doc of cursor) {
    const result = rule.evaluate(presentValues(doc.v, rule));
    if (result === false) outcome.counts.notEligible += 1;
    if (result !== true) continue;
    outcome.counts.eligible += 1;
    if (after && doc._id.toHexString() <= after.toHexString()) continue;
    if (outcome.eligible.length < size) outcome.eligible.push(doc._id);
    else outcome.hasNextPage = true;
  }
  return outcome;
}

/** Evaluates the programme's current rule over the population, records the evaluation, and returns its counts and a page of the eligible. */
export async function evaluateEligibility(deps: IndicatorDeps, principal: Principal | undefined, req: EvaluationRequest, now = new Date()): Promise<EligibilityEvaluation> {
  const started = Date.now();
  const { program, rule } = await programFor(deps, req.programId, principal);
  const size = pageSize(req.first);
  const after = req.after ? decodeCursor(req.after) : undefined;
  const areaCode = text('filter.areaCode', req.filter?.areaCode, { max: 40 });
  if (areaCode === '') throw badInput('filter.areaCode', 'must not be empty');
  const places = areaCode ? await scopedPlaces(deps.models, 'filter.areaCode', areaCode) : undefined;
  const scope: FilterQuery<IndicatorValuesDoc> = places ? { area: { $in: places } } : {};

  const population = await bringUpToDate(deps, rule, places, scope, now, req);
  const filters = compileRule(rule.ast, rule.references);
  const strategy: EvaluationStrategy = filters ? 'database' : 'node';
  const outcome = filters ? await countInDatabase(deps, filters, scope, size, after) : await evaluateInGateway(deps, rule, scope, size, after);

  const counts = { ...outcome.counts, unknown: Math.max(0, population - outcome.counts.eligible - outcome.counts.notEligible) };
  const record = (
    await deps.models.EligibilityEvaluation.create({
      program: program._id,
      ruleVersion: program.version,
      rule: program.rule,
      filter: areaCode ? { areaCode } : null,
      population,
      counts,
      strategy,
      at: now,
      durationMs: Date.now() - started,
      by: principal?.subject,
    })
  ).toObject();
  return { program, record, eligible: outcome.eligible, hasNextPage: outcome.hasNextPage };
}

export type EligibilityResult = 'eligible' | 'not_eligible' | 'unknown';

const resultOf = (value: boolean | undefined): EligibilityResult => (value === true ? 'eligible' : value === false ? 'not_eligible' : 'unknown');

export interface ExplainedIndicator {
  /** As the rule writes it: `dr.severity('vision')`. */
  indicator: string;
  reference: IndicatorReference;
  stored: StoredIndicatorValue | undefined;
  stale: boolean;
  /**
   * Whether it decided the result: without its value the result would not be the same. For an
   * unknown result, the values that are missing.
   */
  decisive: boolean;
}

export interface Explanation {
  program: ProgramDoc;
  individualId: Types.ObjectId;
  result: EligibilityResult;
  indicators: ExplainedIndicator[];
  evaluatedAt: Date;
}

/** The rule's result for one person, with each indicator it read: value, freshness, and whether it decided the result. */
export async function explainEligibility(deps: IndicatorDeps, principal: Principal | undefined, programId: string, individualId: string, now = new Date()): Promise<Explanation> {
  const { program, rule } = await programFor(deps, programId, principal);
  const id = objectId('individualId', individualId);
  if (!(await deps.models.Individual.exists({ _id: id }))) throw notFound('individual');
  await ensureIndicatorValues(deps, refsOf(rule), [`${id}`]);
  const slots = Object.fromEntries((await readIndicatorValues(deps, refsOf(rule), [`${id}`])).get(`${id}`) ?? []);
  const values = presentValues(slots, rule);
  const result = rule.evaluate(values);
  const indicators = rule.references.map((reference) => {
    const stored = slots[reference.slot];
    const without = new Map(values);
    without.delete(reference.slot);
    const decisive = values.has(reference.slot) ? rule.evaluate(without) !== result : result === undefined;
    return { indicator: referenceText(reference), reference, stored, stale: stored ? isStale(stored, now) : true, decisive };
  });
  return { program, individualId: id, result: resultOf(result), indicators, evaluatedAt: now };
}
