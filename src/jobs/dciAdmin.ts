/**
 * What operators see of partners' DCI traffic: stored async transactions and subscriptions, newest
 * first, with their delivery state. Message bodies (queries, records) are not shown: a transaction
 * is shown by its header facts and item counts only.
 */
import type { Connection, FilterQuery, Model } from 'mongoose';
import { badInput } from '../errors';
import { Page, pageSize } from '../registry/pagination';
import { dciDeliveryModel, dciSubscriptionModel, DciDeliveryDoc, DciSubscriptionDoc } from '../store/models/dciSubscription';
import { dciTransactionModel, DciTransactionDoc } from '../store/models/dciTransaction';
import { countAnswered } from './dciTransactions';

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

// ---- newest-first pages -------------------------------------------------------------------------

/** Ids here are UUIDs, not ObjectIds: the cursor holds the creation time and the id that breaks its ties. */
export const newestFirstCursor = (createdAt: Date, id: string) => Buffer.from(`t:${createdAt.getTime()}:${id}`).toString('base64url');

function olderThan(cursor: string) {
  const match = /^t:(\d+):(.+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw badInput('after', 'is not a valid cursor');
  const createdAt = new Date(Number(match[1]));
  return { $or: [{ createdAt: { $lt: createdAt } }, { createdAt, _id: { $lt: match[2] } }] };
}

/** An equality query on the given fields; a null or absent one does not filter. */
const equalTo = (fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null && value !== undefined));

async function newestFirst<T extends { _id: string; createdAt: Date }, V>(
  model: Model<T>,
  query: FilterQuery<T>,
  args: PageArgs,
  view: (doc: T) => V,
  projection: Record<string, 0> = {},
): Promise<Page<V>> {
  const size = pageSize(args.first);
  const paged = args.after ? { $and: [query, olderThan(args.after)] } : query;
  // One batch holds the whole page, so no cursor is left open for a getMore or killCursors.
  const rows = (await model.find(paged as FilterQuery<T>, projection).sort({ createdAt: -1, _id: -1 }).limit(size + 1).batchSize(size + 1).lean()) as T[];
  return { items: rows.slice(0, size).map(view), hasNextPage: rows.length > size, totalCount: () => model.countDocuments(query).exec() };
}

// ---- transactions -------------------------------------------------------------------------------

export interface TransactionView {
  correlationId: string;
  senderId: string;
  transactionId: string;
  action: DciTransactionDoc['action'];
  status: DciTransactionDoc['status'];
  referenceIds: string[];
  delivery: DciTransactionDoc['delivery'];
  items: { requested: number; succeeded: number; rejected: number };
  createdAt: Date;
  updatedAt: Date;
}

export interface TransactionFilter {
  senderId?: string | null;
  action?: DciTransactionDoc['action'] | null;
  deliveryState?: DciTransactionDoc['delivery']['state'] | null;
}

/** Message bodies are never loaded for the listing: the answer's item counts are stored beside it. */
const WITHOUT_BODIES = { requestJson: 0, responseJson: 0 } as const;

type ListedTransaction = Omit<DciTransactionDoc, 'requestJson' | 'responseJson'>;

const settled = (doc: ListedTransaction) => doc.status === 'succ' || doc.status === 'rjct';

/**
 * Transactions settled before item counts were stored have only their answer to count from: those
 * rows' answers (and no others) are read, in one query.
 */
async function withItemCounts(c: Connection, docs: ListedTransaction[]): Promise<TransactionView[]> {
  const uncounted = docs.filter((doc) => settled(doc) && !doc.itemCounts).map((doc) => doc._id);
  const answers = uncounted.length
    ? await dciTransactionModel(c).find({ _id: { $in: uncounted } }, { responseJson: 1 }).batchSize(uncounted.length).lean()
    : [];
  const counted = new Map(answers.map((doc) => [doc._id, countAnswered(JSON.parse(doc.responseJson!))]));
  return docs.map((doc) => transactionView(doc, doc.itemCounts ?? counted.get(doc._id) ?? { succeeded: 0, rejected: 0 }));
}

function transactionView(doc: ListedTransaction, answered: NonNullable<DciTransactionDoc['itemCounts']>): TransactionView {
  return {
    correlationId: doc._id,
    senderId: doc.senderId,
    transactionId: doc.transactionId,
    action: doc.action,
    status: doc.status,
    referenceIds: doc.referenceIds,
    delivery: doc.delivery,
    items: {
      // An unsubscribe names subscription codes, not items: the request is its one item.
      requested: doc.action === 'unsubscribe' ? 1 : doc.referenceIds.length,
      succeeded: answered.succeeded,
      rejected: answered.rejected,
    },
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export async function listTransactions(c: Connection, filter: TransactionFilter, args: PageArgs): Promise<Page<TransactionView>> {
  const query = equalTo({ senderId: filter.senderId, action: filter.action, 'delivery.state': filter.deliveryState });
  const page = await newestFirst(dciTransactionModel(c), query, args, (doc): ListedTransaction => doc, WITHOUT_BODIES);
  return { ...page, items: await withItemCounts(c, page.items) };
}

export async function findTransaction(c: Connection, correlationId: string): Promise<TransactionView | null> {
  const doc = await dciTransactionModel(c).findById(correlationId, WITHOUT_BODIES).lean();
  return doc && (await withItemCounts(c, [doc]))[0];
}

// ---- subscriptions ------------------------------------------------------------------------------

export interface SubscriptionView {
  code: string;
  senderId: string;
  eventType: string;
  filterAttributes: string[];
  status: DciSubscriptionDoc['status'];
  createdAt: Date;
  updatedAt: Date;
}

export interface SubscriptionFilter {
  senderId?: string | null;
  status?: DciSubscriptionDoc['status'] | null;
}

type RegistryFilter = { and?: RegistryFilter[]; or?: RegistryFilter[]; not?: RegistryFilter; [field: string]: unknown };

/** The registry filter fields a subscription's filter uses, without their values (they may be personal data). */
function filterFields(filter: RegistryFilter, into = new Set<string>()): Set<string> {
  for (const [field, value] of Object.entries(filter)) {
    if (field === 'and' || field === 'or') for (const part of value as RegistryFilter[]) filterFields(part, into);
    else if (field === 'not') filterFields(value as RegistryFilter, into);
    else into.add(field);
  }
  return into;
}

const subscriptionView = (doc: DciSubscriptionDoc): SubscriptionView => ({
  code: doc._id,
  senderId: doc.senderId,
  eventType: doc.regEventType,
  filterAttributes: [...filterFields(JSON.parse(doc.filterJson))].sort(),
  status: doc.status,
  createdAt: doc.createdAt,
  updatedAt: doc.updatedAt,
});

export const listSubscriptions = (c: Connection, filter: SubscriptionFilter, args: PageArgs): Promise<Page<SubscriptionView>> =>
  newestFirst(dciSubscriptionModel(c), equalTo({ senderId: filter.senderId, status: filter.status }), args, subscriptionView);

export type NotificationCounts = Record<DciDeliveryDoc['state'], number> & { receipted: number; outstanding: number };

/**
 * Notifications owed to each subscription, by delivery state, and the receipted ones, from the
 * ledger: one query per kind for all the codes. Outstanding: delivered, not receipted.
 */
export async function notificationCounts(c: Connection, codes: readonly string[]): Promise<NotificationCounts[]> {
  const byState = (match: FilterQuery<DciDeliveryDoc>) =>
    dciDeliveryModel(c).aggregate<{ _id: { code: string; state: DciDeliveryDoc['state'] }; n: number }>([
      { $match: { code: { $in: codes }, ...match } },
      { $group: { _id: { code: '$code', state: '$state' }, n: { $sum: 1 } } },
    ]);
  const [all, receipted] = await Promise.all([byState({}), byState({ receiptedAt: { $exists: true } })]);
  const counts = new Map<string, NotificationCounts>(codes.map((code) => [code, { delivered: 0, pending: 0, failed: 0, withdrawn: 0, receipted: 0, outstanding: 0 }]));
  for (const row of all) counts.get(row._id.code)![row._id.state] = row.n;
  for (const row of receipted) counts.get(row._id.code)!.receipted += row.n;
  for (const count of counts.values()) count.outstanding = count.delivered;
  for (const row of receipted) if (row._id.state === 'delivered') counts.get(row._id.code)!.outstanding -= row.n;
  return codes.map((code) => counts.get(code)!);
}
