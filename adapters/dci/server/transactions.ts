/** The adapter's view of stored async transactions; src/jobs/dciTransactions implements it. */
export type TransactionAction = 'search' | 'subscribe' | 'unsubscribe' | 'txn-status' | 'receipt';

export interface StoredTransaction {
  correlationId: string;
  senderId: string;
  transactionId: string;
  action: TransactionAction;
  senderUri: string;
  request: Record<string, unknown>;
  referenceIds: string[];
  status: 'rcvd' | 'pdng' | 'succ' | 'rjct';
  response?: Record<string, unknown>;
  callbackMessageId?: string;
  delivery: { state: 'pending' | 'delivered' | 'failed'; attempts: number; deliveredAt?: Date };
  createdAt: Date;
  /** An identifier upload (uploads.ts): answered in pages, each its own on-search callback. */
  upload?: UploadProgress;
}

export interface UploadProgress {
  identifiers: number;
  pageSize: number;
  pages: number;
  /** Pages are delivered in order: the first `pagesDelivered` are. */
  pagesDelivered: number;
}

export type TxnLookup =
  | { attribute: 'transaction_id'; value: string }
  | { attribute: 'correlation_id'; value: string }
  | { attribute: 'reference_id_list'; value: string[] };

export interface TransactionStore {
  create(t: Omit<StoredTransaction, 'status' | 'delivery' | 'createdAt' | 'response' | 'callbackMessageId'>): Promise<void>;
  get(correlationId: string): Promise<StoredTransaction | undefined>;
  /** The sender's own transactions matching the lookup, newest first. */
  find(senderId: string, lookup: TxnLookup): Promise<StoredTransaction[]>;
  /** Stores the answer once; a second call keeps the first answer and returns it. */
  settle(correlationId: string, status: 'succ' | 'rjct', response: Record<string, unknown>, callbackMessageId: string): Promise<StoredTransaction>;
  recordAttempt(correlationId: string, outcome: { delivered: true } | { delivered: false; error: string; final: boolean }): Promise<void>;
}
