/** The CRVS flows over GraphQL: thin calls into src/crvs. */
import DataLoader from 'dataloader';
import { Types } from 'mongoose';
import { findImport, listImports, openImport, totalPages, totals } from '../../crvs/imports';
import { listReviewItems, resolveReviewItem } from '../../crvs/review';
import { crvsClient, crvsSourceName } from '../../crvs/sources';
import { subscribeCrvsEvents } from '../../crvs/subscriptions';
import { CRVS_IMPORT_JOB, crvsRuntimeOf } from '../../crvs/wiring';
import { encodeCursor } from '../../registry/pagination';
import type { CivilEventDoc } from '../../store/models/crvsCivilEvent';
import type { CrvsImportDoc } from '../../store/models/crvsImport';
import type { IndividualDoc } from '../../store/models/individual';
import type { Context } from '../context';
import type { IndividualResolvers, MutationResolvers, MutationStartCrvsImportArgs, QueryResolvers, Resolvers } from '../generated/types';
import { connection } from './registry';

const id = (doc: { _id: unknown }) => `${doc._id}`;

async function startImport(kind: CrvsImportDoc['kind'], args: MutationStartCrvsImportArgs, ctx: Context) {
  const dataSource = await crvsSourceName(ctx.models, args.dataSource);
  const { doc } = await openImport(ctx.models, { kind, dataSource, from: args.from, to: args.to, area: args.area, pageSize: args.pageSize }, ctx.now);
  const { jobs } = crvsRuntimeOf(ctx.models.CrvsImport.db);
  await jobs.enqueue(CRVS_IMPORT_JOB, { importId: id(doc) }, { key: `crvs-import:${doc._id}` });
  jobs.kick();
  ctx.log.info({ importId: id(doc), kind, dataSource, by: ctx.principal?.subject }, 'CRVS import started');
  return doc;
}

/** Per request: the civil events of every individual in one query. */
const civilEventLoaders = new WeakMap<Context, DataLoader<string, CivilEventDoc[]>>();
function civilEventsOf(ctx: Context) {
  let loader = civilEventLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(async (ids: readonly string[]) => {
      const rows = await ctx.models.CrvsCivilEvent.find({ individual: { $in: ids.map((i) => new Types.ObjectId(i)) } }).sort({ date: 1 }).lean();
      return ids.map((i) => rows.filter((r) => `${r.individual}` === i));
    });
    civilEventLoaders.set(ctx, loader);
  }
  return loader;
}

export const crvsResolvers = {
  types: {
    CrvsImport: {
      id,
      totalPages: (doc) => totalPages(doc) ?? null,
      counts: (doc) => totals(doc),
    },
    CrvsReviewItem: {
      id,
      individuals: async (doc, _, ctx) =>
        (await Promise.all(doc.individuals.map((i) => ctx.loaders.individual.load(`${i}`)))).filter((i): i is IndividualDoc => i !== null),
    },
    CivilEvent: { id },
    CrvsSubscription: { code: (doc) => doc._id },
  } satisfies Resolvers,
  Individual: {
    civilEvents: (doc, _, ctx) => civilEventsOf(ctx).load(id(doc)),
  } satisfies IndividualResolvers,
  Query: {
    crvsImport: (_, args, ctx) => findImport(ctx.models, args.id),
    crvsImports: async (_, args, ctx) => connection(await listImports(ctx.models, args)),
    crvsReviewItems: async (_, args, ctx) => {
      const page = await listReviewItems(ctx.models, args);
      return {
        edges: page.items.map((node) => ({ cursor: encodeCursor(node._id), node })),
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.items.length ? encodeCursor(page.items[page.items.length - 1]._id) : null },
        totalCount: page.totalCount,
      };
    },
  } satisfies QueryResolvers,
  Mutation: {
    startCrvsImport: (_, args, ctx) => startImport('births', args, ctx),
    startCrvsDeathImport: (_, args, ctx) => startImport('deaths', args, ctx),
    subscribeCrvsEvents: async (_, args, ctx) =>
      subscribeCrvsEvents(ctx.models, await crvsClient(ctx.models, ctx.dataSources, args.dataSource), ctx.now),
    resolveCrvsReviewItem: (_, args, ctx) => resolveReviewItem(ctx.models, args.id, args.resolution, ctx.principal?.subject, ctx.now),
  } satisfies MutationResolvers,
};
