/** Stored async DCI transactions (adapters/dci/server/transactions.ts), on MongoDB. */
import mongoose from 'mongoose';
import type { StoredTransaction, TransactionStore, TxnLookup } from '../../adapters/dci/server/transactions';
import { dciTransactionModel, DciTransactionDoc } from '../store/models/dciTransaction';

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
        { $set: { status, responseJson: JSON.stringify(response), callbackMessageId, updatedAt: new Date() } },
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
