/** Root fields about identifiers. */
import * as identifiers from '../../registry/identifiers';
import type { MutationResolvers, QueryResolvers } from '../generated/types';

export const identifierResolvers = {
  Query: {
    registrantByIdentifier: async (_, { type, value }, ctx) => {
      const found = await identifiers.findByIdentifier(ctx.models, type, value, ctx.now);
      return found?.doc ?? null;
    },
    registrantsByIdentifiers: async (_, { identifiers: matches }, ctx) =>
      (await identifiers.findByIdentifiers(ctx.models, 'identifiers', matches, ctx.now)).map((found) => found?.doc ?? null),
  } satisfies QueryResolvers,
  Mutation: {
    addIdentifier: async (_, { registrantId, input }, ctx) =>
      identifiers.addIdentifier(ctx.models, await identifiers.ownerOf(ctx.models, 'registrantId', registrantId), input, ctx.now),
    removeIdentifier: (_, { id }, ctx) => identifiers.removeIdentifier(ctx.models, id, ctx.now),
  } satisfies MutationResolvers,
};
