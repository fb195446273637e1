/** Partner data in the graph: thin calls into src/federation through the request's partner loaders. */
import { hasScope } from '../../auth/principal';
import { badInput } from '../../errors';
import { crvsRecordFlow } from '../../federation/crvsRecord';
import { disabilityFlow } from '../../federation/disability';
import { enrollmentFlow } from '../../federation/enrollment';
import type { PartnerFlow } from '../../federation/flow';
import { partnerLoader } from '../../federation/loaders';
import { objectId } from '../../registry/input';
import type { IndividualDoc } from '../../store/models/individual';
import type { Context } from '../context';
import type { IndividualResolvers, QueryEnrollmentCheckArgs, QueryResolvers } from '../generated/types';

const MAX_IDS = 100;

/** Without registry:pii the @pii rule would mask the answer anyway: the partner is not even asked. */
const federated =
  <V>(flow: PartnerFlow<V>) =>
  (doc: IndividualDoc, _: unknown, ctx: Context) =>
    ctx.principal && hasScope(ctx.principal, 'registry:pii') ? partnerLoader(ctx, flow).load(doc) : null;

const forOne =
  <V>(flow: PartnerFlow<V>) =>
  async (_: unknown, { individualId, refresh }: QueryEnrollmentCheckArgs, ctx: Context) => {
    const doc = await ctx.loaders.individual.load(`${objectId('individualId', individualId)}`);
    return doc && partnerLoader(ctx, flow, { refresh: refresh ?? false }).load(doc);
  };

export const partnerDataResolvers = {
  Query: {
    enrollmentCheck: forOne(enrollmentFlow),
    disabilityStatus: forOne(disabilityFlow),
    enrollmentChecks: async (_, { individualIds, refresh }, ctx) => {
      if (individualIds.length > MAX_IDS) throw badInput('individualIds', `at most ${MAX_IDS} ids`);
      const ids = (individualIds as string[]).map((id) => `${objectId('individualIds', id)}`);
      const docs = await ctx.loaders.individual.loadMany(ids);
      const loader = partnerLoader(ctx, enrollmentFlow, { refresh: refresh ?? false });
      // An Error in the list becomes the error (and null) of that item alone.
      return Promise.all(docs.map((doc) => (doc instanceof Error || doc === null ? doc : loader.load(doc).catch((error) => error))));
    },
  } satisfies QueryResolvers,
  Individual: {
    enrollmentCheck: federated(enrollmentFlow),
    disabilityStatus: federated(disabilityFlow),
    crvsRecord: federated(crvsRecordFlow),
  } satisfies IndividualResolvers,
};
