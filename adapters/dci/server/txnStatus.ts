/**
 * Transaction status: what became of a partner's own earlier async requests. Every answer carries the
 * asking request's `transaction_id` and our `correlation_id`, so the partner can match it, also when
 * nothing matches (then the status holds the asked reference as a rejected item with the spec's code).
 */
import type { SearchReasonCode, SearchResponse, TxnStatusRequest, TxnStatusResponse, TxnType } from '../protocol';
import type { PersonDisclosure } from './disclosureAudit';
import type { StoredTransaction, TransactionStore, TxnLookup, UploadProgress } from './transactions';

/**
 * The Social Registry's `txn_type` values are search, subscribe and receipt: an unsubscribe is
 * subscription management, reported as `subscribe`; a status request answers search-shaped.
 */
const TXN_TYPE: Record<StoredTransaction['action'], TxnType> = { search: 'search', subscribe: 'subscribe', unsubscribe: 'subscribe', 'txn-status': 'search', receipt: 'receipt' };

function lookupOf(request: TxnStatusRequest['txnstatus_request']): TxnLookup | undefined {
  const { attribute_type: type, attribute_value: value } = request;
  if ((type === 'transaction_id' || type === 'correlation_id') && typeof value === 'string') return { attribute: type, value };
  if (type === 'reference_id_list' && Array.isArray(value)) return { attribute: type, value };
  return undefined;
}

/**
 * Each item of the transaction with one status and no data: pending while it runs; for a status
 * request, how it was answered (its answer is itself a status report, which has no place here).
 */
function itemStatuses(txn: StoredTransaction, status: SearchResponse['search_response'][number]['status']): SearchResponse {
  const now = new Date().toISOString();
  return {
    transaction_id: txn.transactionId,
    correlation_id: txn.correlationId,
    search_response: txn.referenceIds.map((reference_id) => ({ reference_id, timestamp: now, status })),
  };
}

/**
 * An upload's progress, one item per page of its callbacks (`page-<n>`, with the page's place in
 * `pagination`): delivered, still to come, or never to come when its delivery failed for good.
 */
function pageStatuses(txn: StoredTransaction, upload: UploadProgress): SearchResponse {
  const now = new Date().toISOString();
  const undelivered = txn.delivery.state === 'failed' ? 'rjct' : 'pdng';
  return {
    transaction_id: txn.transactionId,
    correlation_id: txn.correlationId,
    search_response: Array.from({ length: upload.pages }, (_, i) => ({
      reference_id: `page-${i + 1}`,
      timestamp: now,
      status: i < upload.pagesDelivered ? 'succ' : undelivered,
      ...(i >= upload.pagesDelivered && txn.delivery.state === 'failed' && { status_reason_message: 'the callback could not be delivered' }),
      pagination: { page_size: upload.pageSize, page_number: i + 1, total_count: upload.identifiers },
    })),
  };
}

/** The status, and the people it shows again when it is the stored answer of a search. */
function statusOf(txn: StoredTransaction): { status: TxnStatusResponse['txnstatus_response']['txn_status']; disclosed: PersonDisclosure[] } {
  if (txn.upload) return { status: pageStatuses(txn, txn.upload), disclosed: [] };
  const stored = txn.response as { message?: SearchResponse; disclosed?: PersonDisclosure[] } | undefined;
  if (!stored?.message) return { status: itemStatuses(txn, 'pdng'), disclosed: [] };
  // A status request's answer is itself a status report, and a receipt's (our extension) is none of the spec's txn_status shapes: each is reported by its item.
  if (txn.action === 'txn-status' || txn.action === 'receipt') return { status: itemStatuses(txn, txn.status), disclosed: [] };
  return { status: stored.message, disclosed: stored.disclosed ?? [] };
}

/** Nothing to report: the asked reference, rejected with the spec's code. */
function rejectedStatus(request: TxnStatusRequest, correlationId: string, reason: SearchReasonCode, message: string): SearchResponse {
  const { reference_id } = request.txnstatus_request;
  return {
    transaction_id: request.transaction_id,
    correlation_id: correlationId,
    search_response: [{ reference_id, timestamp: new Date().toISOString(), status: 'rjct', status_reason_code: reason, status_reason_message: message }],
  };
}

export interface TxnStatusAnswer {
  status: 'succ' | 'rjct';
  message: TxnStatusResponse;
  reasonMessage?: string;
  /** The people of a search answer the status carries again, for the disclosure audit. */
  disclosed: PersonDisclosure[];
}

/** `correlationId` is the status request's own: a stored (async) status request never reports on itself. */
export async function txnStatus(request: TxnStatusRequest, senderId: string, correlationId: string, store: TransactionStore): Promise<TxnStatusAnswer> {
  const answer = (
    status: 'succ' | 'rjct',
    txnType: TxnType,
    txnStatus: TxnStatusResponse['txnstatus_response']['txn_status'],
    disclosed: PersonDisclosure[],
    reasonMessage?: string,
  ): TxnStatusAnswer => ({
    status,
    message: { transaction_id: request.transaction_id, correlation_id: correlationId, txnstatus_response: { txn_type: txnType, txn_status: txnStatus } },
    ...(reasonMessage !== undefined && { reasonMessage }),
    disclosed,
  });
  const refused = (reason: SearchReasonCode, message: string) => answer('rjct', request.txnstatus_request.txn_type, rejectedStatus(request, correlationId, reason, message), [], message);

  const lookup = lookupOf(request.txnstatus_request);
  if (!lookup) return refused('rjct.search_criteria.invalid', 'attribute_type must be transaction_id, correlation_id or reference_id_list with a matching value');
  // Only the partner's own transactions are ever visible to it.
  const [txn] = (await store.find(senderId, lookup)).filter((t) => t.correlationId !== correlationId);
  if (!txn) return refused('rjct.reference_id.invalid', 'no transaction of this sender matches');
  const { status, disclosed } = statusOf(txn);
  return answer('succ', TXN_TYPE[txn.action], status, disclosed);
}
