/** The disclosure audit over GraphQL: thin calls into src/audit. */
import { requireScopes } from '../../auth/principal';
import { disclosureView, listDisclosures } from '../../audit/disclosures';
import type { IndividualDoc } from '../../store/models/individual';
import type { Context } from '../context';
import type { Args } from './registry';

const views = async (docs: Promise<Parameters<typeof disclosureView>[0][]>) => (await docs).map(disclosureView);

export const auditResolvers = {
  Individual: {
    disclosures: (doc: IndividualDoc, args: Args, ctx: Context) => {
      requireScopes(ctx.principal, 'audit:read');
      return views(listDisclosures(ctx.models, { individualId: `${doc._id}` }, args.first));
    },
  },
  Query: {
    disclosures: (_: unknown, args: Args, ctx: Context) => views(listDisclosures(ctx.models, args.filter, args.first)),
  },
};
