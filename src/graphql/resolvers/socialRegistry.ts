/** The social-registry client role over GraphQL: thin calls into src/socialRegistry. */
import { badInput, conflict } from '../../errors';
import { searchItem } from '../../socialRegistry/criteria';
import { importRecords } from '../../socialRegistry/imports';
import { socialRegistryClient } from '../../socialRegistry/sources';
import { listSubscriptions, subscribe, unsubscribe } from '../../socialRegistry/subscriptions';
import { findTransaction, listTransactions, requireTransaction, searchAsync, searchSync } from '../../socialRegistry/transactions';
import type { GroupDoc } from '../../store/models/group';
import type { IndividualDoc } from '../../store/models/individual';
import type { Context } from '../context';
import type { MutationImportFromSocialRegistryArgs, MutationResolvers, QueryResolvers, Resolvers } from '../generated/types';
import type { SocialRegistryImportParent } from '../parents';

const MAX_RECORDS_PER_IMPORT = 500;
/** Stored lower-case, shown as the enum SocialRegistrySearchMode. */
const MODES = { sync: 'SYNC', async: 'ASYNC' } as const;

const isLoaded = <T>(doc: T | null | Error): doc is T => doc !== null && !(doc instanceof Error);

async function importFromTransaction(args: MutationImportFromSocialRegistryArgs, ctx: Context): Promise<SocialRegistryImportParent> {
  const transaction = await requireTransaction(ctx.models, args.transactionId, ctx.now);
  if (transaction.status !== 'answered') throw conflict('NOT_ANSWERED', `the transaction is ${transaction.status}: nothing to import`);
  const wanted: string[] | null | undefined = args.referenceIds;
  const unknown = (wanted ?? []).filter((r) => !transaction.results.some((x) => x.referenceId === r));
  if (unknown.length > 0) throw badInput('referenceIds', `the transaction has no item ${unknown.join(', ')}`);
  const results = transaction.results.filter((r) => r.status === 'succ' && (!wanted?.length || wanted.includes(r.referenceId)));
  const records = results.flatMap((r) => r.records.map((text) => JSON.parse(text) as Record<string, unknown>));
  if (records.length > MAX_RECORDS_PER_IMPORT) throw badInput('referenceIds', `name items holding at most ${MAX_RECORDS_PER_IMPORT} records`);
  const outcome = await importRecords(ctx.models, transaction.dataSource, records, ctx.now);
  ctx.log.info({ transactionId: transaction._id, dataSource: transaction.dataSource, records: records.length, ...outcome.counts, by: ctx.principal?.subject }, 'social registry records imported');
  return {
    transaction,
    counts: outcome.counts,
    individuals: async () => (await ctx.loaders.individual.loadMany(outcome.individuals.map(String))).filter(isLoaded<IndividualDoc>),
    groups: async () => (await ctx.loaders.group.loadMany(outcome.groups.map(String))).filter(isLoaded<GroupDoc>),
  };
}

export const socialRegistryResolvers = {
  types: {
    SocialRegistryTransaction: {
      id: (doc) => doc._id,
      mode: (doc) => (doc.mode ? MODES[doc.mode] : null),
    },
    SocialRegistrySubscription: {
      filter: (doc) => doc.filter ?? null,
    },
  } satisfies Resolvers,
  Query: {
    socialRegistryTransaction: (_, args, ctx) => findTransaction(ctx.models, args.id, ctx.now),
    socialRegistryTransactions: (_, args, ctx) => listTransactions(ctx.models, args, ctx.now),
    socialRegistrySubscriptions: (_, args, ctx) => listSubscriptions(ctx.models, args.dataSource),
  } satisfies QueryResolvers,
  Mutation: {
    searchSocialRegistry: async (_, args, ctx) => {
      const item = searchItem(args.criteria);
      const client = await socialRegistryClient(ctx.models, ctx.dataSources, args.dataSource);
      const search = args.mode === 'ASYNC' ? searchAsync : searchSync;
      return search(ctx.models, client, item, ctx.principal?.subject, ctx.now);
    },
    subscribeSocialRegistry: async (_, args, ctx) => {
      const client = await socialRegistryClient(ctx.models, ctx.dataSources, args.dataSource);
      const subscriptions = await subscribe(ctx.models, client, args.eventType, args.filter, ctx.now);
      ctx.log.info({ dataSource: client.source.name, eventType: args.eventType, by: ctx.principal?.subject }, 'social registry subscribed');
      return subscriptions;
    },
    unsubscribeSocialRegistry: async (_, args, ctx) => {
      const client = await socialRegistryClient(ctx.models, ctx.dataSources, args.dataSource);
      const subscriptions = await unsubscribe(ctx.models, client, args.subscriptionCodes, ctx.now);
      ctx.log.info({ dataSource: client.source.name, codes: subscriptions.length, by: ctx.principal?.subject }, 'social registry subscriptions ended');
      return subscriptions;
    },
    importFromSocialRegistry: (_, args, ctx) => importFromTransaction(args, ctx),
  } satisfies MutationResolvers,
};
