/** Programmes and eligibility: thin calls into src/programs. */
import { encodeCursor, pageSize } from '../../registry/pagination';
import { evaluateEligibility, explainEligibility, scopesOfRule } from '../../programs/eligibility';
import { createProgram, listPrograms, programVersions, updateProgram } from '../../programs/programs';
import { objectId } from '../../registry/input';
import { checkRule, referenceText } from '../../programs/rule';
import type { MutationResolvers, QueryResolvers, Resolvers } from '../generated/types';
import { required } from '../loaders';


const jsonOf = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value instanceof Date ? value.toISOString() : value));

export const programResolvers = {
  types: {
    Program: {
      id: (doc) => `${doc._id}`,
      indicators: (doc) => checkRule(doc.rule).references.map(referenceText),
      requiredScopes: (doc) => scopesOfRule(checkRule(doc.rule)),
      versions: (doc, _, ctx) => programVersions(ctx.models, doc),
      evaluations: (doc, { first }, ctx) =>
        ctx.models.EligibilityEvaluation.find({ program: doc._id })
          .sort({ at: -1, _id: -1 })
          .limit(pageSize(first))
          .lean(),
    },
    EligibilityEvaluationRecord: {
      id: (doc) => `${doc._id}`,
      areaCode: (doc) => doc.filter?.areaCode ?? null,
    },
    // Loaded only when asked for: an unselected load would run after the answer is sent.
    EligibleIndividualEdge: {
      node: (edge, _, ctx) => required(ctx.loaders.individual.load(`${edge.id}`), `eligible individual ${edge.id}`),
    },
    EligibilityExplanation: {
      ruleVersion: (e) => e.program.version,
      individual: (e, _, ctx) => required(ctx.loaders.individual.load(`${e.individualId}`), `explained individual ${e.individualId}`),
    },
    ExplainedIndicator: {
      name: (e) => e.reference.name,
      argument: (e) => e.reference.argument ?? null,
      value: (e) => jsonOf(e.stored?.value),
      outcome: (e) => e.stored?.outcome ?? null,
      source: (e) => e.stored?.source ?? null,
      computedAt: (e) => e.stored?.computedAt ?? null,
      expiresAt: (e) => e.stored?.expiresAt ?? null,
      ageSeconds: (e, _, ctx) =>
        e.stored ? Math.max(0, Math.floor((ctx.now.getTime() - e.stored.computedAt.getTime()) / 1000)) : null,
    },
  } satisfies Resolvers,
  Query: {
    programs: (_, __, ctx) => listPrograms(ctx.models),
    program: (_, { id }, ctx) => ctx.models.Program.findById(objectId('id', id)).lean(),
    evaluateEligibility: async (_, { programId, filter, first, after }, ctx) => {
      const evaluation = await evaluateEligibility(ctx, ctx.principal, { programId, filter, first, after }, ctx.now);
      return {
        program: evaluation.program,
        record: evaluation.record,
        counts: evaluation.record.counts,
        edges: evaluation.eligible.map((id) => ({ cursor: encodeCursor(id), id })),
        pageInfo: { hasNextPage: evaluation.hasNextPage, endCursor: evaluation.eligible.length ? encodeCursor(evaluation.eligible.at(-1)!) : null },
      };
    },
    explainEligibility: (_, { programId, individualId }, ctx) => explainEligibility(ctx, ctx.principal, programId, individualId, ctx.now),
  } satisfies QueryResolvers,
  Mutation: {
    createProgram: async (_, { input }, ctx) => {
      const program = await createProgram(ctx.models, input, ctx.now, ctx.principal?.subject);
      ctx.log.info({ program: `${program._id}`, by: ctx.principal?.subject }, 'programme created');
      return program;
    },
    updateProgram: async (_, { id, version, input }, ctx) => {
      const program = await updateProgram(ctx.models, id, version, input, ctx.now, ctx.principal?.subject);
      ctx.log.info({ program: id, version: program.version, by: ctx.principal?.subject }, 'programme updated');
      return program;
    },
  } satisfies MutationResolvers,
};
