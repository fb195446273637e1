/** Root fields of the partner registry: thin calls into src/partners. */
import { settingsOf } from '../../dataSources/settings';
import * as partners from '../../partners/service';
import { recordChange } from '../../audit/configChanges';
import { operator, type Context } from '../context';
import type { MutationResolvers, PartnerSigningProfileResolvers, QueryResolvers } from '../generated/types';

const view = (doc: Parameters<typeof partners.publicPartner>[0] | null) => doc && partners.publicPartner(doc);
/** Seals the partners' callback secrets, as it does the data sources'. */
const secretBox = (ctx: Context) => settingsOf(ctx.models.Partner.db).box;

export const partnerResolvers = {
  /** GraphQL names cannot hold `-`: the enum's values map to the profile names used everywhere else. */
  PartnerSigningProfile: { openg2p_jws: 'openg2p-jws', opencrvs_jws: 'opencrvs-jws' } satisfies PartnerSigningProfileResolvers,
  Query: {
    partners: async (_, __, ctx) => (await partners.listPartners(ctx.models)).map(partners.publicPartner),
    partner: async (_, { senderId }, ctx) => view(await partners.findBySenderId(ctx.models, senderId)),
  } satisfies QueryResolvers,
  Mutation: {
    createPartner: async (_, { input }, ctx) => {
      const { partner, clientId, clientSecret } = await recordChange(ctx, operator(ctx), { target: 'partner', name: input.senderId, action: 'created', input }, () =>
        partners.createPartner(ctx.models, input, ctx.now, secretBox(ctx)),
      );
      return { partner: partners.publicPartner(partner), clientId, clientSecret };
    },
    updatePartner: async (_, { senderId, input }, ctx) => {
      const partner = await recordChange(ctx, operator(ctx), { target: 'partner', name: senderId, action: 'updated', input }, () =>
        partners.updatePartner(ctx.models, senderId, input, ctx.now, secretBox(ctx)),
      );
      return partners.publicPartner(partner);
    },
    disablePartner: async (_, { senderId }, ctx) => {
      const partner = await recordChange(ctx, operator(ctx), { target: 'partner', name: senderId, action: 'disabled' }, () => partners.disablePartner(ctx.models, senderId, ctx.now));
      return partners.publicPartner(partner);
    },
    rotatePartnerSecret: (_, { senderId }, ctx) =>
      recordChange(ctx, operator(ctx), { target: 'partner', name: senderId, action: 'secret_rotated' }, () => partners.rotateClientSecret(ctx.models, senderId, ctx.now)),
  } satisfies MutationResolvers,
};
