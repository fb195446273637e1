/** The disclosure and configuration audits over GraphQL: thin calls into src/audit. */
import { requireScopes } from '../../auth/principal';
import { configChangeView, listConfigChanges } from '../../audit/configChanges';
import { disclosureView, listDisclosures } from '../../audit/disclosures';
import type { IndividualResolvers, QueryResolvers } from '../generated/types';

const views = async (docs: Promise<Parameters<typeof disclosureView>[0][]>) => (await docs).map(disclosureView);

export const auditResolvers = {
  Individual: {
    disclosures: (doc, args, ctx) => {
      requireScopes(ctx.principal, 'audit:read');
      return views(listDisclosures(ctx.models, { individualId: `${doc._id}` }, args));
    },
  } satisfies IndividualResolvers,
  Query: {
    disclosures: (_, args, ctx) => views(listDisclosures(ctx.models, args.filter, args)),
    configChanges: async (_, args, ctx) => (await listConfigChanges(ctx.models, args.filter ?? {}, args)).map(configChangeView),
  } satisfies QueryResolvers,
};
