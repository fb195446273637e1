/** Programmes and eligibility: thin calls into src/programs. */
import type { Types } from 'mongoose';
import { encodeCursor } from '../../registry/pagination';
import { evaluateEligibility, explainEligibility, ExplainedIndicator, Explanation, scopesOfRule } from '../../programs/eligibility';
import { createProgram, listPrograms, programVersions, updateProgram } from '../../programs/programs';
import { objectId } from '../../registry/input';
import { checkRule, referenceText } from '../../programs/rule';
import type { EligibilityEvaluationDoc, ProgramDoc } from '../../store/models/program';
import type { Context } from '../context';
import type { Args } from './registry';

const MAX_EVALUATIONS = 100;

const jsonOf = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value instanceof Date ? value.toISOString() : value));

export const programResolvers = {
  types: {
    Program: {
      id: (doc: ProgramDoc) => `${doc._id}`,
      indicators: (doc: ProgramDoc) => checkRule(doc.rule).references.map(referenceText),
      requiredScopes: (doc: ProgramDoc) => scopesOfRule(checkRule(doc.rule)),
      versions: (doc: ProgramDoc, _: unknown, ctx: Context) => programVersions(ctx.models, doc),
      evaluations: (doc: ProgramDoc, { first }: { first: number }, ctx: Context) =>
        ctx.models.EligibilityEvaluation.find({ program: doc._id })
          .sort({ at: -1, _id: -1 })
          .limit(Math.min(Math.max(first, 1), MAX_EVALUATIONS))
          .lean(),
    },
    EligibilityEvaluationRecord: {
      id: (doc: EligibilityEvaluationDoc) => `${doc._id}`,
      areaCode: (doc: EligibilityEvaluationDoc) => doc.filter?.areaCode ?? null,
    },
    // Loaded only when asked for: an unselected load would run after the answer is sent.
    EligibleIndividualEdge: {
      node: (edge: { id: Types.ObjectId }, _: unknown, ctx: Context) => ctx.loaders.individual.load(`${edge.id}`),
    },
    EligibilityExplanation: {
      ruleVersion: (e: Explanation) => e.program.version,
      individual: (e: Explanation, _: unknown, ctx: Context) => ctx.loaders.individual.load(`${e.individualId}`),
    },
    ExplainedIndicator: {
      name: (e: ExplainedIndicator) => e.reference.name,
      argument: (e: ExplainedIndicator) => e.reference.argument ?? null,
      value: (e: ExplainedIndicator) => jsonOf(e.stored?.value),
      outcome: (e: ExplainedIndicator) => e.stored?.outcome ?? null,
      source: (e: ExplainedIndicator) => e.stored?.source ?? null,
      computedAt: (e: ExplainedIndicator) => e.stored?.computedAt ?? null,
      expiresAt: (e: ExplainedIndicator) => e.stored?.expiresAt ?? null,
      ageSeconds: (e: ExplainedIndicator, _: unknown, ctx: Context) =>
        e.stored ? Math.max(0, Math.floor((ctx.now.getTime() - e.stored.computedAt.getTime()) / 1000)) : null,
    },
  },
  Query: {
    programs: (_: unknown, __: Args, ctx: Context) => listPrograms(ctx.models),
    program: (_: unknown, { id }: Args, ctx: Context) => ctx.models.Program.findById(objectId('id', id)).lean(),
    evaluateEligibility: async (_: unknown, { programId, filter, first, after }: Args, ctx: Context) => {
      const evaluation = await evaluateEligibility(ctx, ctx.principal, { programId, filter, first, after }, ctx.now);
      return {
        program: evaluation.program,
        record: evaluation.record,
        counts: evaluation.record.counts,
        edges: evaluation.eligible.map((id) => ({ cursor: encodeCursor(id), id })),
        pageInfo: { hasNextPage: evaluation.hasNextPage, endCursor: evaluation.eligible.length ? encodeCursor(evaluation.eligible.at(-1)!) : null },
      };
    },
    explainEligibility: (_: unknown, { programId, individualId }: Args, ctx: Context) => explainEligibility(ctx, ctx.principal, programId, individualId, ctx.now),
  },
  Mutation: {
    createProgram: async (_: unknown, { input }: Args, ctx: Context) => {
      const program = await createProgram(ctx.models, input, ctx.now, ctx.principal?.subject);
      ctx.log.info({ program: `${program._id}`, by: ctx.principal?.subject }, 'programme created');
      return program;
    },
    updateProgram: async (_: unknown, { id, version, input }: Args, ctx: Context) => {
      const program = await updateProgram(ctx.models, id, version, input, ctx.now, ctx.principal?.subject);
      ctx.log.info({ program: id, version: program.version, by: ctx.principal?.subject }, 'programme updated');
      return program;
    },
  },
};
