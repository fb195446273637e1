/** Root fields of the registry: thin calls into src/registry. */
import type { Types } from 'mongoose';
import { requireScopes } from '../../auth/principal';
import * as groups from '../../registry/groups';
import * as individuals from '../../registry/individuals';
import * as memberships from '../../registry/memberships';
import { objectId } from '../../registry/input';
import { encodeCursor, Page } from '../../registry/pagination';
import { registryStats } from '../../registry/stats';
import type { Context } from '../context';
import type { IndividualFilter, InputMaybe, Resolvers } from '../generated/types';
import type { Connection } from '../parents';
import { guardIndicatorFilter } from './indicators';

/** A page as a GraphQL connection, each node's cursor its id. */
export function connection<T extends { _id: Types.ObjectId }>(page: Page<T>): Connection<T> {
  return {
    edges: page.items.map((node) => ({ cursor: encodeCursor(node._id), node })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.items.length ? encodeCursor(page.items[page.items.length - 1]._id) : null },
    totalCount: page.totalCount,
  };
}

const NAME_FILTERS = ['namePrefix', 'givenName', 'familyName'] as const;
/** Sort fields ordered by a name (IndividualSortField, GroupSortField). */
const NAME_SORTS = ['givenName', 'familyName', 'name'];

/** What the guards read of an IndividualFilter or a GroupFilter, at every level. */
type GuardedFilter = Pick<IndividualFilter, (typeof NAME_FILTERS)[number] | 'indicator'> & {
  and?: InputMaybe<GuardedFilter[]>;
  or?: InputMaybe<GuardedFilter[]>;
  not?: InputMaybe<GuardedFilter>;
};

/** Searching by name would reveal names: only callers who may read them may search by them (so for indicators). */
function guardNameSearch(ctx: Context, filter: InputMaybe<GuardedFilter> | undefined): void {
  if (!filter) return;
  if (NAME_FILTERS.some((f) => filter[f])) requireScopes(ctx.principal, 'registry:pii');
  guardIndicatorFilter(ctx, filter);
  for (const nested of [...(filter.and ?? []), ...(filter.or ?? []), filter.not]) guardNameSearch(ctx, nested);
}

/** So would an order by name: paging through it with a known name as a marker spells the others out. */
function guardNameSort(ctx: Context, sort: { field: string }[] | null | undefined): void {
  if (sort?.some((s) => NAME_SORTS.includes(s.field))) requireScopes(ctx.principal, 'registry:pii');
}

export const registryResolvers = {
  Query: {
    individual: (_, { id }, ctx) => ctx.loaders.individual.load(`${objectId('id', id)}`),
    group: (_, { id }, ctx) => ctx.loaders.group.load(`${objectId('id', id)}`),
    individuals: async (_, { filter, ...page }, ctx) => {
      guardNameSearch(ctx, filter);
      guardNameSort(ctx, page.sort);
      return connection(await individuals.listIndividuals(ctx.models, filter, page));
    },
    groups: async (_, { filter, ...page }, ctx) => {
      guardNameSearch(ctx, filter);
      guardNameSort(ctx, page.sort);
      return connection(await groups.listGroups(ctx.models, filter, page));
    },
    registryStats: (_, { filter }, ctx) => {
      guardNameSearch(ctx, filter);
      return registryStats(ctx.models, filter, ctx.now);
    },
  },
  Mutation: {
    createIndividual: (_, { input }, ctx) => individuals.createIndividual(ctx.models, input, ctx.now),
    updateIndividual: (_, { id, version, input }, ctx) =>
      individuals.updateIndividual(ctx.models, id, version, input, ctx.now),
    recordDeath: (_, { id, deathDate }, ctx) => individuals.recordDeath(ctx.models, id, deathDate, ctx.now),
    createGroup: (_, { input }, ctx) => groups.createGroup(ctx.models, input, ctx.now),
    updateGroup: (_, { id, version, input }, ctx) => groups.updateGroup(ctx.models, id, version, input, ctx.now),
    addMember: (_, { input }, ctx) => memberships.addMember(ctx.models, input, ctx.now),
    endMembership: (_, { id, endDate }, ctx) => memberships.endMembership(ctx.models, id, endDate, ctx.now),
  },
} satisfies Resolvers;

/** `_entities` lookups: a bad or unknown id resolves to null, as federation expects. */
export const entityResolvers: Record<string, (ref: { id?: unknown }, ctx: Context) => Promise<unknown>> = {
  Individual: (ref, ctx) => lookup(ref, (id) => ctx.loaders.individual.load(id)),
  Group: (ref, ctx) => lookup(ref, (id) => ctx.loaders.group.load(id)),
};

async function lookup(ref: { id?: unknown }, load: (id: string) => Promise<unknown>) {
  if (typeof ref.id !== 'string' || !/^[0-9a-f]{24}$/i.test(ref.id)) return null;
  return load(ref.id);
}
