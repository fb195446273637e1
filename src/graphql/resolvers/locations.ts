/** The location hierarchy: thin calls into src/registry/locations. */
import * as locations from '../../registry/locations';
import type { LocationDoc } from '../../store/models/location';
import type { Context } from '../context';
import type { Args } from './registry';

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
      code: (doc: LocationDoc) => doc._id,
      children: async (doc: LocationDoc, _: Args, ctx: Context) => (await hierarchyOf(ctx)).filter((place) => place.parent === doc._id),
    },
  },
  Query: {
    locations: (_: unknown, __: Args, ctx: Context) => hierarchyOf(ctx),
    location: (_: unknown, { code }: Args, ctx: Context) => locations.findLocation(ctx.models, code),
  },
  Mutation: {
    createLocation: (_: unknown, { input }: Args, ctx: Context) => locations.createLocation(ctx.models, input, ctx.now),
    updateLocation: (_: unknown, { code, input }: Args, ctx: Context) => locations.updateLocation(ctx.models, code, input, ctx.now),
    deleteLocation: (_: unknown, { code }: Args, ctx: Context) => locations.deleteLocation(ctx.models, code),
  },
};
