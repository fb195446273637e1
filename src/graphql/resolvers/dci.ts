/** The operators' read-only view of partners' DCI traffic: thin calls into src/jobs/dciAdmin. */
import DataLoader from 'dataloader';
import * as dci from '../../jobs/dciAdmin';
import type { Page } from '../../registry/pagination';
import type { Context } from '../context';
import type { QueryResolvers, Resolvers } from '../generated/types';

/** The DCI collections live on the registry's connection. */
const connectionOf = (ctx: Context) => ctx.models.Partner.db;

function connection<T extends { createdAt: Date }>(page: Page<T>, idOf: (node: T) => string) {
  const cursor = (node: T) => dci.newestFirstCursor(node.createdAt, idOf(node));
  return {
    edges: page.items.map((node) => ({ cursor: cursor(node), node })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.items.length ? cursor(page.items[page.items.length - 1]) : null },
    totalCount: page.totalCount,
  };
}

/** Per request: the notification counts of every subscription on the page in one query. */
const notificationLoaders = new WeakMap<Context, DataLoader<string, dci.NotificationCounts>>();
function notificationsOf(ctx: Context) {
  let loader = notificationLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader((codes: readonly string[]) => dci.notificationCounts(connectionOf(ctx), codes));
    notificationLoaders.set(ctx, loader);
  }
  return loader;
}

export const dciResolvers = {
  types: {
    /** GraphQL names cannot hold `-`, and subscription statuses read better as states than as verbs. */
    DciTransactionAction: { txn_status: 'txn-status' },
    DciSubscriptionStatus: { active: 'subscribe', unsubscribed: 'unsubscribe' },
    DciSubscription: {
      notifications: (sub, _, ctx) => notificationsOf(ctx).load(sub.code),
    },
  } satisfies Resolvers,
  Query: {
    dciTransactions: async (_, { first, after, ...filter }, ctx) =>
      connection(await dci.listTransactions(connectionOf(ctx), filter, { first, after }), (t) => t.correlationId),
    dciTransaction: (_, { correlationId }, ctx) => dci.findTransaction(connectionOf(ctx), correlationId),
    dciSubscriptions: async (_, { first, after, ...filter }, ctx) =>
      connection(await dci.listSubscriptions(connectionOf(ctx), filter, { first, after }), (s) => s.code),
  } satisfies QueryResolvers,
};
