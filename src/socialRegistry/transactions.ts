/**
 * Searches sent to a social registry and notifications received from it, kept as transactions whose
 * records an operator reads (`socialRegistryTransaction`) and imports. A sync search is stored once
 * answered; an async one is stored `pending` before it is sent, and its on-search, arriving on our
 * receiver (token and signature already checked there), is matched to it by transaction id and
 * sender, checked against the social API's schema, and stored: on whichever gateway instance it
 * lands, and after a restart.
 */
import { randomUUID } from 'node:crypto';
import type { DciClient, SearchItem } from '../../adapters/dci/client/client';
import { ON_SEARCH_PATH } from '../../adapters/dci/client/client';
import { operationValidator } from '../../adapters/dci/client/envelopes';
import type { NotifyEventRequest, SearchResponse, SearchResponseItem } from '../../adapters/dci/protocol';
import type { ReceivedCallback } from '../../adapters/dci/server/callbackHub';
import { recordsOf } from '../crvs/records';
import { GatewayError, notFound } from '../errors';
import type { Logger } from '../log';
import { insertNew } from '../registry/bulkCreate';
import { text } from '../registry/input';
import type { RegistryModels } from '../store/models';
import type { SocialRegistryResult, SocialRegistryTransactionDoc } from '../store/models/socialRegistry';
import { deleteOlderThan } from '../store/retention';

/** How long an async search waits for its answer. */
export const ANSWER_WINDOW_MS = 10 * 60_000;
const SOCIAL = { kind: 'social' as const };
const NOTIFY_PATH = '/registry/notify';

const json = (records: unknown) => recordsOf(records).map((r) => JSON.stringify(r));

function resultsOf(items: SearchResponseItem[]): SocialRegistryResult[] {
  return items.map((i): SocialRegistryResult => ({
    referenceId: i.reference_id,
    status: i.status === 'succ' ? 'succ' : 'rjct',
    ...(i.status_reason_code && { reasonCode: i.status_reason_code }),
    ...(i.status_reason_message && { reasonMessage: i.status_reason_message.slice(0, 999) }),
    ...(i.data?.reg_record_type && { recordType: i.data.reg_record_type }),
    records: json(i.data?.reg_records ?? []),
    ...(i.pagination && { totalCount: i.pagination.total_count, pageNumber: i.pagination.page_number, pageSize: i.pagination.page_size }),
  }));
}

/** A sync search: sent, its signed reply verified by the client, and stored with its records. */
export async function searchSync(models: RegistryModels, client: DciClient, item: SearchItem, by: string | undefined, now: Date): Promise<SocialRegistryTransactionDoc> {
  const answers = await client.search([item]);
  const doc: SocialRegistryTransactionDoc = {
    _id: randomUUID(),
    dataSource: client.source.name,
    kind: 'search',
    mode: 'sync',
    status: 'answered',
    partner: client.source.receiverId,
    criteria: JSON.stringify(item.search_criteria),
    results: resultsOf(answers),
    ...(by && { requestedBy: by }),
    createdAt: now,
    answeredAt: new Date(),
  };
  await models.SocialRegistryTransaction.create(doc);
  return doc;
}

/** An async search: stored, sent, and returned with the partner's ACK; the answer comes later. */
export async function searchAsync(models: RegistryModels, client: DciClient, item: SearchItem, by: string | undefined, now: Date): Promise<SocialRegistryTransactionDoc> {
  const _id = randomUUID();
  await models.SocialRegistryTransaction.create({
    _id,
    dataSource: client.source.name,
    kind: 'search',
    mode: 'async',
    status: 'pending',
    partner: client.source.receiverId,
    criteria: JSON.stringify(item.search_criteria),
    results: [],
    ...(by && { requestedBy: by }),
    createdAt: now,
    answerBy: new Date(now.getTime() + ANSWER_WINDOW_MS),
  });
  try {
    const ack = await client.searchLater([item], _id);
    await models.SocialRegistryTransaction.updateOne({ _id }, { $set: { ack: { status: ack.ack_status, correlationId: ack.correlation_id } } });
  } catch (error) {
    const reason = error instanceof GatewayError ? error.message : 'the search could not be sent';
    await models.SocialRegistryTransaction.updateOne({ _id, status: 'pending' }, { $set: { status: 'failed', error: reason } });
    throw error;
  }
  return (await models.SocialRegistryTransaction.findById(_id).lean())!;
}

/** A transaction as the caller sees it: an async search past its deadline has failed. */
export function asSeen(doc: SocialRegistryTransactionDoc, now: Date): SocialRegistryTransactionDoc {
  if (doc.status === 'pending' && doc.answerBy && doc.answerBy < now) return { ...doc, status: 'failed', error: 'the registry did not answer in time' };
  return doc;
}

export async function findTransaction(models: RegistryModels, rawId: string, now: Date): Promise<SocialRegistryTransactionDoc | null> {
  const doc = await models.SocialRegistryTransaction.findById(text('id', rawId, { required: true, max: 200 })).lean();
  return doc && asSeen(doc, now);
}

export async function requireTransaction(models: RegistryModels, rawId: string, now: Date): Promise<SocialRegistryTransactionDoc> {
  const doc = await findTransaction(models, rawId, now);
  if (!doc) throw notFound('social registry transaction');
  return doc;
}

/** The latest transactions first, of one data source when named. */
export async function listTransactions(models: RegistryModels, args: { dataSource?: string | null; first?: number | null }, now: Date) {
  const first = Math.min(Math.max(args.first ?? 20, 1), 100);
  const query = args.dataSource ? { dataSource: args.dataSource } : {};
  const docs = await models.SocialRegistryTransaction.find(query).sort({ createdAt: -1, _id: 1 }).limit(first).lean();
  return docs.map((d) => asSeen(d, now));
}

/** Answers and notifications hold another registry's personal data: kept this long, then deleted. */
export const RETENTION_DAYS = 30;

/** Deletes the transactions created more than RETENTION_DAYS before `now` (by their stored time: the embedded engines have no TTL index). */
export function pruneTransactions(models: RegistryModels, now: Date): Promise<number> {
  return deleteOlderThan(models.SocialRegistryTransaction, 'createdAt', now, RETENTION_DAYS);
}

/** Stores the answer of one of our async searches; callbacks of other flows pass by untouched. */
export function onSearchListener(models: RegistryModels, log: Logger) {
  return async (callback: ReceivedCallback): Promise<void> => {
    if (!callback.transactionId) return;
    const doc = await models.SocialRegistryTransaction.findById(callback.transactionId, { partner: 1, status: 1, kind: 1, answerBy: 1 }).lean();
    if (!doc || doc.kind !== 'search') return;
    // The receiver checked who sent it; only the registry we asked may answer.
    if (callback.senderId !== doc.partner) {
      log.warn({ transactionId: callback.transactionId, senderId: callback.senderId }, 'social registry answer from another sender ignored');
      return;
    }
    const now = new Date();
    if (doc.status !== 'pending' || (doc.answerBy && doc.answerBy < now)) return;
    const pending = { _id: doc._id, status: 'pending' };
    const valid = operationValidator(SOCIAL, ON_SEARCH_PATH, 'request')({ header: callback.header, message: callback.message });
    if (!valid.ok) {
      await models.SocialRegistryTransaction.updateOne(pending, { $set: { status: 'failed', error: 'the answer does not match the social on-search schema', answeredAt: now } });
      return;
    }
    if (callback.header.status === 'rjct') {
      const code = typeof callback.header.status_reason_code === 'string' ? ` (${callback.header.status_reason_code})` : '';
      await models.SocialRegistryTransaction.updateOne(pending, { $set: { status: 'failed', error: `the registry rejected the search${code}`, answeredAt: now } });
      return;
    }
    const results = resultsOf((callback.message as SearchResponse).search_response);
    await models.SocialRegistryTransaction.updateOne(pending, { $set: { status: 'answered', results, answeredAt: now } });
    log.info({ transactionId: doc._id, items: results.length }, 'social registry search answered');
  };
}

/** Stores a social registry's notification once (a re-delivery finds it stored), to be read and imported. */
export function notifyListener(models: RegistryModels, log: Logger) {
  return async (callback: ReceivedCallback): Promise<void> => {
    // Notifications of other registries are other flows' business.
    const source = await models.DataSource.findOne({ kind: 'social', status: 'active', receiverId: callback.senderId }, { name: 1 }).lean();
    if (!source) return;
    const valid = operationValidator(SOCIAL, NOTIFY_PATH, 'request')({ header: callback.header, message: callback.message });
    if (!valid.ok) {
      log.warn({ dataSource: source.name, transactionId: callback.transactionId }, 'social registry notification does not match the social notify schema; ignored');
      return;
    }
    const message = callback.message as NotifyEventRequest;
    const results = message.notify_event.map((e): SocialRegistryResult => ({
      referenceId: e.reference_id,
      status: 'succ',
      ...(e.data.reg_record_type && { recordType: e.data.reg_record_type }),
      ...(e.data.reg_event_type && { eventType: e.data.reg_event_type }),
      records: json(e.data.reg_records),
    }));
    const now = new Date();
    await insertNew(models.SocialRegistryTransaction, [
      { _id: `notify:${source.name}:${message.transaction_id}`, dataSource: source.name, kind: 'notify', status: 'answered', partner: callback.senderId, results, createdAt: now, answeredAt: now },
    ]);
    log.info({ dataSource: source.name, transactionId: message.transaction_id, events: results.length }, 'social registry notification stored');
  };
}
