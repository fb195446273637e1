/** The location hierarchy: thin calls into src/registry/locations. */
import * as locations from '../../registry/locations';
import type { LocationDoc } from '../../store/models/location';
import type { Context } from '../context';
import type { MutationResolvers, QueryResolvers, Resolvers } from '../generated/types';

/** One read of the whole (small) hierarchy per request serves every `children` field in it. */
const hierarchies = new WeakMap<Context, Promise<LocationDoc[]>>();
function hierarchyOf(ctx: Context): Promise<LocationDoc[]> {
  let hierarchy = hierarchies.get(ctx);
  if (!hierarchy) {
    hierarchy = locations.listLocations(ctx.models);
    hierarchies.set(ctx, hierarchy);
  }
  return hierarchy;
}

export const locationResolvers = {
  types: {
    Location: {
      code: (doc) => doc._id,
      children: async (doc, _, ctx) => (await hierarchyOf(ctx)).filter((place) => place.parent === doc._id),
    },
  } satisfies Resolvers,
  Query: {
    locations: (_, __, ctx) => hierarchyOf(ctx),
    location: (_, { code }, ctx) => locations.findLocation(ctx.models, code),
  } satisfies QueryResolvers,
  Mutation: {
    createLocation: (_, { input }, ctx) => locations.createLocation(ctx.models, input, ctx.now),
    updateLocation: (_, { code, input }, ctx) => locations.updateLocation(ctx.models, code, input, ctx.now),
    deleteLocation: (_, { code }, ctx) => locations.deleteLocation(ctx.models, code),
  } satisfies MutationResolvers,
};
