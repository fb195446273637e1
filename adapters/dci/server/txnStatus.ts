/** Transaction status: what became of a partner's own earlier async requests. */
import type { SearchResponse, TxnStatusRequest, TxnStatusResponse, TxnType } from '../protocol';
import type { StoredTransaction, TransactionStore, TxnLookup } from './transactions';

const TXN_TYPE: Record<StoredTransaction['action'], TxnType> = { search: 'search', subscribe: 'subscribe', unsubscribe: 'unsubscribe', 'txn-status': 'search' };

function lookupOf(request: TxnStatusRequest['txnstatus_request']): TxnLookup | undefined {
  const { attribute_type: type, attribute_value: value } = request;
  if ((type === 'transaction_id' || type === 'correlation_id') && typeof value === 'string') return { attribute: type, value };
  if (type === 'reference_id_list' && Array.isArray(value)) return { attribute: type, value };
  return undefined;
}

/** A transaction still running reports each of its items as pending. */
function pendingStatus(txn: StoredTransaction): SearchResponse {
  const now = new Date().toISOString();
  return {
    transaction_id: txn.transactionId,
    correlation_id: txn.correlationId,
    search_response: txn.referenceIds.map((reference_id) => ({ reference_id, timestamp: now, status: 'pdng' as const })),
  };
}

export async function txnStatus(
  request: TxnStatusRequest,
  senderId: string,
  correlationId: string,
  store: TransactionStore,
): Promise<{ status: 'succ' | 'rjct'; message?: TxnStatusResponse; reasonMessage?: string }> {
  const lookup = lookupOf(request.txnstatus_request);
  if (!lookup) return { status: 'rjct', reasonMessage: 'attribute_type must be transaction_id, correlation_id or reference_id_list with a matching value' };
  // Only the partner's own transactions are ever visible to it.
  const [txn] = (await store.find(senderId, lookup)).filter((t) => t.action !== 'txn-status');
  if (!txn) return { status: 'rjct', reasonMessage: 'no transaction of this sender matches' };
  return {
    status: 'succ',
    message: {
      transaction_id: request.transaction_id,
      correlation_id: correlationId,
      txnstatus_response: { txn_type: TXN_TYPE[txn.action], txn_status: ((txn.response as { message?: SearchResponse } | undefined)?.message) ?? pendingStatus(txn) },
    },
  };
}
