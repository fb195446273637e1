/** Root fields of the registry: thin calls into src/registry. */
import { requireScopes } from '../../auth/principal';
import * as groups from '../../registry/groups';
import * as individuals from '../../registry/individuals';
import * as memberships from '../../registry/memberships';
import { objectId } from '../../registry/input';
import { encodeCursor, Page } from '../../registry/pagination';
import { registryStats } from '../../registry/stats';
import type { Context } from '../context';
import { guardIndicatorFilter } from './indicators';

/** Argument shapes are fixed by the SDL, which graphql-js has already checked. */
export type Args = Record<string, any>;

/** A page as a GraphQL connection, each node's cursor its id. */
export function connection<T extends { _id: { toHexString(): string } & object }>(page: Page<T>) {
  return {
    edges: page.items.map((node) => ({ cursor: encodeCursor(node._id as never), node })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.items.length ? encodeCursor(page.items[page.items.length - 1]._id as never) : null },
    totalCount: page.totalCount,
  };
}

const NAME_FILTERS = ['namePrefix', 'givenName', 'familyName'];
/** Sort fields ordered by a name (IndividualSortField, GroupSortField). */
const NAME_SORTS = ['givenName', 'familyName', 'name'];

/** Searching by name would reveal names: only callers who may read them may search by them (so for indicators). */
function guardNameSearch(ctx: Context, filter: Record<string, unknown> | null | undefined): void {
  if (!filter) return;
  if (NAME_FILTERS.some((f) => filter[f])) requireScopes(ctx.principal, 'registry:pii');
  guardIndicatorFilter(ctx, filter);
  for (const nested of [...((filter.and as Args[]) ?? []), ...((filter.or as Args[]) ?? []), filter.not as Args]) guardNameSearch(ctx, nested);
}

/** So would an order by name: paging through it with a known name as a marker spells the others out. */
function guardNameSort(ctx: Context, sort: { field: string }[] | null | undefined): void {
  if (sort?.some((s) => NAME_SORTS.includes(s.field))) requireScopes(ctx.principal, 'registry:pii');
}

export const registryResolvers = {
  Query: {
    individual: (_: unknown, { id }: Args, ctx: Context) => ctx.loaders.individual.load(`${objectId('id', id)}`),
    group: (_: unknown, { id }: Args, ctx: Context) => ctx.loaders.group.load(`${objectId('id', id)}`),
    individuals: async (_: unknown, { filter, ...page }: Args, ctx: Context) => {
      guardNameSearch(ctx, filter);
      guardNameSort(ctx, page.sort);
      return connection(await individuals.listIndividuals(ctx.models, filter, page));
    },
    groups: async (_: unknown, { filter, ...page }: Args, ctx: Context) => {
      guardNameSearch(ctx, filter);
      guardNameSort(ctx, page.sort);
      return connection(await groups.listGroups(ctx.models, filter, page));
    },
    registryStats: (_: unknown, { filter }: Args, ctx: Context) => {
      guardNameSearch(ctx, filter);
      return registryStats(ctx.models, filter, ctx.now);
    },
  },
  Mutation: {
    createIndividual: (_: unknown, { input }: Args, ctx: Context) => individuals.createIndividual(ctx.models, input, ctx.now),
    updateIndividual: (_: unknown, { id, version, input }: Args, ctx: Context) =>
      individuals.updateIndividual(ctx.models, id, version, input, ctx.now),
    recordDeath: (_: unknown, { id, deathDate }: Args, ctx: Context) => individuals.recordDeath(ctx.models, id, deathDate, ctx.now),
    createGroup: (_: unknown, { input }: Args, ctx: Context) => groups.createGroup(ctx.models, input, ctx.now),
    updateGroup: (_: unknown, { id, version, input }: Args, ctx: Context) => groups.updateGroup(ctx.models, id, version, input, ctx.now),
    addMember: (_: unknown, { input }: Args, ctx: Context) => memberships.addMember(ctx.models, input, ctx.now),
    endMembership: (_: unknown, { id, endDate }: Args, ctx: Context) => memberships.endMembership(ctx.models, id, endDate, ctx.now),
  },
};

/** `_entities` lookups: a bad or unknown id resolves to null, as federation expects. */
export const entityResolvers: Record<string, (ref: { id?: unknown }, ctx: Context) => Promise<unknown>> = {
  Individual: (ref, ctx) => lookup(ref, (id) => ctx.loaders.individual.load(id)),
  Group: (ref, ctx) => lookup(ref, (id) => ctx.loaders.group.load(id)),
};

async function lookup(ref: { id?: unknown }, load: (id: string) => Promise<unknown>) {
  if (typeof ref.id !== 'string' || !/^[0-9a-f]{24}$/i.test(ref.id)) return null;
  return load(ref.id);
}
