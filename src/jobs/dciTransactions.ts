/** Stored async DCI transactions (adapters/dci/server/transactions.ts), on MongoDB. */
import mongoose from 'mongoose';
import type { Answer } from '../../adapters/dci/server/asyncActions';
import type { StoredTransaction, TransactionStore, TxnLookup } from '../../adapters/dci/server/transactions';
import { dciTransactionModel, DciTransactionDoc } from '../store/models/dciTransaction';

/** Searches and subscribes answer item by item; the other actions answer as a whole, as one item. */
export function countAnswered(response: Record<string, unknown>): NonNullable<DciTransactionDoc['itemCounts']> {
  const answer = response as unknown as Answer;
  const message = answer.message ?? {};
  const items = message.search_response ?? message.subscribe_response;
  const statuses = Array.isArray(items) ? items.map((item: { status: string }) => item.status) : [typeof message.status === 'string' ? message.status : answer.status];
  return { succeeded: statuses.filter((s) => s === 'succ').length, rejected: statuses.filter((s) => s === 'rjct').length };
}

function fromDoc(doc: DciTransactionDoc): StoredTransaction {
  return {
    correlationId: doc._id,
    senderId: doc.senderId,
    transactionId: doc.transactionId,
    action: doc.action,
    senderUri: doc.senderUri,
    request: JSON.parse(doc.requestJson),
    referenceIds: doc.referenceIds,
    status: doc.status,
    ...(doc.responseJson ? { response: JSON.parse(doc.responseJson), callbackMessageId: doc.callbackMessageId } : {}),
    delivery: { state: doc.delivery.state, attempts: doc.delivery.attempts, deliveredAt: doc.delivery.deliveredAt },
    createdAt: doc.createdAt,
    ...(doc.upload && { upload: doc.upload }),
  };
}

export function dciTransactionStore(connection: mongoose.Connection): TransactionStore {
  const Txn = dciTransactionModel(connection);
  return {
    async create(t) {
      const now = new Date();
      await Txn.create({
        _id: t.correlationId,
        senderId: t.senderId,
        transactionId: t.transactionId,
        action: t.action,
        senderUri: t.senderUri,
        requestJson: JSON.stringify(t.request),
        referenceIds: t.referenceIds,
        status: 'rcvd',
        delivery: { state: 'pending', attempts: 0 },
        ...(t.upload && { upload: t.upload }),
        createdAt: now,
        updatedAt: now,
      });
    },
    async get(correlationId) {
      const doc = await Txn.findById(correlationId).lean();
      return doc ? fromDoc(doc) : undefined;
    },
    async find(senderId, lookup: TxnLookup) {
      const filter =
        lookup.attribute === 'transaction_id'
          ? { senderId, transactionId: lookup.value }
          : lookup.attribute === 'correlation_id'
            ? { senderId, _id: lookup.value }
            : { senderId, referenceIds: { $in: lookup.value } };
      const docs = await Txn.find(filter).sort({ createdAt: -1 }).limit(20).lean();
      return docs.map(fromDoc);
    },
    async settle(correlationId, status, response, callbackMessageId) {
      await Txn.updateOne(
        { _id: correlationId, responseJson: null },
        { $set: { status, responseJson: JSON.stringify(response), itemCounts: countAnswered(response), callbackMessageId, updatedAt: new Date() } },
      );
      return fromDoc((await Txn.findById(correlationId).lean())!);
    },
    async recordAttempt(correlationId, outcome) {
      const now = new Date();
      const set = outcome.delivered
        ? { 'delivery.state': 'delivered', 'delivery.deliveredAt': now, updatedAt: now }
        : { 'delivery.state': outcome.final ? 'failed' : 'pending', 'delivery.lastError': outcome.error.slice(0, 300), updatedAt: now };
      await Txn.updateOne({ _id: correlationId }, { $set: set, $inc: { 'delivery.attempts': 1 } });
    },
  };
}
