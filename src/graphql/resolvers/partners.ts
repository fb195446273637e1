/** Root fields of the partner registry: thin calls into src/partners. */
import { settingsOf } from '../../dataSources/settings';
import * as partners from '../../partners/service';
import type { Context } from '../context';
import type { Args } from './registry';

const view = (doc: Parameters<typeof partners.publicPartner>[0] | null) => doc && partners.publicPartner(doc);
/** Seals the partners' callback secrets, as it does the data sources'. */
const secretBox = (ctx: Context) => settingsOf(ctx.models.Partner.db).box;

export const partnerResolvers = {
  /** GraphQL names cannot hold `-`: the enum's values map to the profile names used everywhere else. */
  PartnerSigningProfile: { openg2p_jws: 'openg2p-jws', opencrvs_jws: 'opencrvs-jws' },
  Query: {
    partners: async (_: unknown, __: Args, ctx: Context) => (await partners.listPartners(ctx.models)).map(partners.publicPartner),
    partner: async (_: unknown, { senderId }: Args, ctx: Context) => view(await partners.findBySenderId(ctx.models, senderId)),
  },
  Mutation: {
    createPartner: async (_: unknown, { input }: Args, ctx: Context) => {
      const { partner, clientId, clientSecret } = await partners.createPartner(ctx.models, input, ctx.now, secretBox(ctx));
      ctx.log.info({ senderId: partner.senderId, by: ctx.principal?.subject }, 'partner created');
      return { partner: partners.publicPartner(partner), clientId, clientSecret };
    },
    updatePartner: async (_: unknown, { senderId, input }: Args, ctx: Context) =>
      view(await partners.updatePartner(ctx.models, senderId, input, ctx.now, secretBox(ctx))),
    disablePartner: async (_: unknown, { senderId }: Args, ctx: Context) => {
      const partner = await partners.disablePartner(ctx.models, senderId, ctx.now);
      ctx.log.info({ senderId, by: ctx.principal?.subject }, 'partner disabled');
      return partners.publicPartner(partner);
    },
    rotatePartnerSecret: async (_: unknown, { senderId }: Args, ctx: Context) => {
      const credentials = await partners.rotateClientSecret(ctx.models, senderId, ctx.now);
      ctx.log.info({ senderId, by: ctx.principal?.subject }, 'partner client secret rotated');
      return credentials;
    },
  },
};
