/** Root fields about identifiers. */
import * as identifiers from '../../registry/identifiers';
import type { Context } from '../context';
import type { Args } from './registry';

export const identifierResolvers = {
  Query: {
    registrantByIdentifier: async (_: unknown, { type, value }: Args, ctx: Context) => {
      const found = await identifiers.findByIdentifier(ctx.models, type, value, ctx.now);
      return found?.doc ?? null;
    },
    registrantsByIdentifiers: async (_: unknown, { identifiers: matches }: Args, ctx: Context) =>
      (await identifiers.findByIdentifiers(ctx.models, 'identifiers', matches, ctx.now)).map((found) => found?.doc ?? null),
  },
  Mutation: {
    addIdentifier: async (_: unknown, { registrantId, input }: Args, ctx: Context) =>
      identifiers.addIdentifier(ctx.models, await identifiers.ownerOf(ctx.models, 'registrantId', registrantId), input, ctx.now),
    removeIdentifier: (_: unknown, { id }: Args, ctx: Context) => identifiers.removeIdentifier(ctx.models, id, ctx.now),
  },
};
