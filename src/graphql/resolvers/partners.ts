/** Root fields of the partner registry: thin calls into src/partners. */
import { settingsOf } from '../../dataSources/settings';
import * as partners from '../../partners/service';
import type { Context } from '../context';
import { givenFields } from '../givenFields';
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
      const { partner, clientId, clientSecret } = await partners.createPartner(ctx.models, input, ctx.now, secretBox(ctx));
      ctx.log.info({ senderId: partner.senderId, by: ctx.principal?.subject }, 'partner created');
      return { partner: partners.publicPartner(partner), clientId, clientSecret };
    },
    updatePartner: async (_, { senderId, input }, ctx) => {
      const partner = await partners.updatePartner(ctx.models, senderId, input, ctx.now, secretBox(ctx));
      // What was changed and by whom, never the values (keys, secrets, disclosure levels stay out of logs).
      ctx.log.info({ senderId, fields: givenFields(input), by: ctx.principal?.subject }, 'partner updated');
      return partners.publicPartner(partner);
    },
    disablePartner: async (_, { senderId }, ctx) => {
      const partner = await partners.disablePartner(ctx.models, senderId, ctx.now);
      ctx.log.info({ senderId, by: ctx.principal?.subject }, 'partner disabled');
      return partners.publicPartner(partner);
    },
    rotatePartnerSecret: async (_, { senderId }, ctx) => {
      const credentials = await partners.rotateClientSecret(ctx.models, senderId, ctx.now);
      ctx.log.info({ senderId, by: ctx.principal?.subject }, 'partner client secret rotated');
      return credentials;
    },
  } satisfies MutationResolvers,
};
