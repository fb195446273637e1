/**
 * The DCI envelope as TypeScript types (Dec 2025 shape, SPEC-NOTES 1-2 and 8) and the builders for
 * headers and acknowledgements. The OpenAPI validators remain the authority on what is valid; these
 * types describe what we build and read.
 */
import { randomUUID } from 'node:crypto';
import type { AckErrorCode, AckStatus, HeaderReasonCode, ReceiptReasonCode, RequestStatus, SearchReasonCode, SubscribeReasonCode, UnsubscribeReasonCode } from './codes';

export type DateTime = string;

/** `receipt` / `on-receipt`, `verify` / `on-verify`: our extensions (protocol/extensions/receipts.yaml, uploads.yaml). */
export type RequestAction = 'search' | 'subscribe' | 'unsubscribe' | 'txn-status' | 'receipt' | 'verify';
export type CallbackAction = 'on-search' | 'on-subscribe' | 'on-unsubscribe' | 'txn-on-status' | 'notify' | 'on-receipt' | 'on-verify';
export type DciAction = RequestAction | CallbackAction;

const CALLBACK_ACTION: Record<RequestAction, CallbackAction> = {
  search: 'on-search',
  subscribe: 'on-subscribe',
  unsubscribe: 'on-unsubscribe',
  'txn-status': 'txn-on-status',
  receipt: 'on-receipt',
  verify: 'on-verify',
};

/** The action of the callback or sync reply that answers a request action. */
export const callbackActionFor = (action: RequestAction): CallbackAction => CALLBACK_ACTION[action];

/**
 * A `sender_id` we accept for ourselves and for partners: a short code (`mis.example.org`), or an
 * https/http URL (OpenCRVS looks for the sender's keys at `${sender_id}/.well-known/jwks.json`, so
 * it can verify us only when our sender id is our base URL). Never `|`, which separates the parts
 * of a kidId, and no query, fragment or credentials, which have no place in an identity.
 */
export function senderIdProblem(value: string): string | undefined {
  if (value.length === 0 || value.length > 256) return 'must hold 1 to 256 characters';
  if (/^[A-Za-z0-9._:-]+$/.test(value)) return undefined;
  const problem = 'must be a code of letters, digits and . _ : -, or an http(s) URL without query, fragment, credentials or |';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return problem;
  }
  const web = url.protocol === 'https:' || url.protocol === 'http:';
  return web && !url.username && !url.password && !/[|?#\s]/.test(value) ? undefined : problem;
}

/** Object types (not interfaces) so headers stay assignable to Record<string, unknown>. */
export type MsgHeader = {
  version?: string;
  message_id: string;
  message_ts: DateTime;
  action: DciAction;
  sender_id: string;
  /** Full URL the callback is POSTed to (async requests only). */
  sender_uri?: string;
  receiver_id?: string;
  total_count: number;
  is_msg_encrypted?: boolean;
  meta?: Record<string, unknown>;
};

export type MsgCallbackHeader = {
  version?: string;
  message_id: string;
  message_ts: DateTime;
  action: DciAction;
  status: RequestStatus;
  status_reason_code?: HeaderReasonCode;
  status_reason_message?: string;
  total_count?: number;
  completed_count?: number;
  sender_id?: string;
  receiver_id?: string;
  is_msg_encrypted?: boolean;
  meta?: Record<string, unknown>;
};

export interface EncryptedMessage {
  header: { alg: string; enc: string; kid: string };
  /** RFC 7516's integrity-protected header; jose puts ECDH-ES's ephemeral key (`epk`) there. */
  protected?: string;
  encrypted_key: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

export interface Envelope<H = MsgHeader | MsgCallbackHeader, M = unknown> {
  signature?: string;
  header: H;
  message?: M | EncryptedMessage;
}

export type AttributeValue = string | number | boolean | Record<string, unknown>;
export type QueryType = 'idtype-value' | 'expression' | 'predicate' | 'graphql';

export interface ExpPredicate {
  attribute_name: string;
  operator: 'gt' | 'lt' | 'eq' | 'ge' | 'le' | 'in';
  attribute_value: AttributeValue;
}
export interface ExpPredicateWithCondition {
  seq_num?: number;
  expression1: ExpPredicate;
  condition?: 'and' | 'or' | 'not';
  expression2?: ExpPredicate;
}
export interface IdentifierTypeValue {
  type: string;
  value: AttributeValue;
}
export interface ExpTemplate {
  type: string;
  value: { expression: unknown } & Record<string, unknown>;
}
export type RegistryQuery = IdentifierTypeValue | ExpTemplate | ExpPredicateWithCondition[];

export interface PaginationRequest {
  page_size: number;
  page_number?: number;
}
export interface Pagination {
  page_size: number;
  page_number: number;
  total_count: number;
}

export interface SearchCriteria {
  version?: string;
  reg_type?: string;
  reg_record_type?: string;
  /** 2024/Jan 2025 files; accepted on input. */
  reg_event_type?: string;
  response_entity?: 'Group' | 'Member';
  query_type: QueryType;
  query: RegistryQuery;
  sort?: { attribute_name: string; sort_order: 'asc' | 'desc' }[];
  pagination?: PaginationRequest;
  consent?: Record<string, unknown>;
  authorize?: Record<string, unknown>;
}

export interface SearchRequest {
  transaction_id: string;
  search_request: { reference_id: string; timestamp: DateTime; search_criteria: SearchCriteria; locale?: string }[];
}

export interface SearchResponseItem {
  reference_id: string;
  timestamp: DateTime;
  status: RequestStatus;
  status_reason_code?: SearchReasonCode;
  status_reason_message?: string;
  data?: { version?: string; reg_type?: string; reg_record_type?: string; reg_event_type?: string; reg_records: unknown };
  pagination?: Pagination;
  locale?: string;
}
export interface SearchResponse {
  transaction_id: string;
  correlation_id: string;
  search_response: SearchResponseItem[];
}

export interface EventFrequency {
  start_time: DateTime;
  end_time: DateTime;
  /** Seven-field Quartz-style cron. */
  frequency: string;
}

export interface SubscribeCriteria {
  version?: string;
  reg_type?: string;
  reg_event_type: string;
  frequency?: EventFrequency;
  filter_type?: QueryType;
  filter: RegistryQuery;
  notify_record_type: string;
  authorize?: Record<string, unknown>;
}
export interface SubscribeRequest {
  transaction_id: string;
  subscribe_request: { reference_id: string; timestamp: DateTime; subscribe_criteria: SubscribeCriteria; locale?: string }[];
}

export interface SubscriptionInfo {
  version?: string;
  code: string;
  status: 'subscribe' | 'unsubscribe';
  timestamp: DateTime;
  reg_type?: string;
  reg_event_type?: string;
  frequency?: EventFrequency;
  filter_type?: QueryType;
  filter?: RegistryQuery;
  notify_record_type?: string;
  locale?: string;
}
export interface SubscribeResponse {
  transaction_id: string;
  correlation_id: string;
  subscribe_response: {
    reference_id: string;
    timestamp: DateTime;
    status: RequestStatus;
    status_reason_code?: SubscribeReasonCode;
    status_reason_message?: string;
    subscriptions?: SubscriptionInfo[];
    pagination?: Pagination;
    locale?: string;
  }[];
}

export interface UnsubscribeRequest {
  transaction_id: string;
  timestamp: DateTime;
  subscription_codes: string[];
}
export interface UnsubscribeResponse {
  transaction_id: string;
  correlation_id: string;
  timestamp?: DateTime;
  status: RequestStatus;
  status_reason_code?: UnsubscribeReasonCode;
  status_reason_message?: string;
  subscription_status?: { code: string; status: 'subscribe' | 'unsubscribe' }[];
}

export interface NotifyEventRequest {
  transaction_id: string;
  /** Ours (the standard has none): what a subscriber names in its receipt. */
  notification_id?: string;
  notify_event: {
    reference_id: string;
    timestamp: DateTime;
    data: { version?: string; reg_type?: string; reg_event_type?: string; reg_record_type: string; reg_records: unknown };
    locale?: string;
  }[];
}

/** Notification receipts (protocol/extensions/receipts.yaml). */
export interface ReceiptRequest {
  transaction_id: string;
  receipt_information: {
    receipt_type: string;
    notification_id?: string;
    subscription_code?: string;
    received_at?: DateTime;
    processed_at?: DateTime;
    error_message?: string;
  };
}
export interface ReceiptResponse {
  transaction_id: string;
  correlation_id: string;
  receipt_response: {
    reference_id: string;
    timestamp: DateTime;
    status: RequestStatus;
    status_reason_code?: ReceiptReasonCode;
    status_reason_message?: string;
    notification_id?: string;
    subscription_code?: string;
  }[];
}

export type TxnType = 'search' | 'subscribe' | 'unsubscribe' | 'receipt';
export interface TxnStatusRequest {
  transaction_id: string;
  txnstatus_request: {
    reference_id: string;
    txn_type: TxnType;
    attribute_type: 'transaction_id' | 'reference_id_list' | 'correlation_id' | 'subscription_code_list';
    attribute_value: string | string[];
    locale?: string;
  };
}
export interface TxnStatusResponse {
  transaction_id: string;
  correlation_id: string;
  txnstatus_response: { txn_type: TxnType; txn_status: SearchResponse | SubscribeResponse | UnsubscribeResponse };
}

/** The synchronous acknowledgement of async endpoints and callbacks: not an envelope. */
export interface AckBody {
  message: {
    ack_status: AckStatus;
    timestamp: DateTime;
    correlation_id: string;
    error?: { code: AckErrorCode; message?: string };
  };
}

const now = () => new Date().toISOString();

export function newHeader(opts: {
  senderId: string;
  receiverId?: string;
  action: RequestAction;
  totalCount: number;
  senderUri?: string;
  meta?: Record<string, unknown>;
}): MsgHeader {
  return {
    version: '1.0.0',
    message_id: randomUUID(),
    message_ts: now(),
    action: opts.action,
    sender_id: opts.senderId,
    ...(opts.senderUri !== undefined && { sender_uri: opts.senderUri }),
    ...(opts.receiverId !== undefined && { receiver_id: opts.receiverId }),
    total_count: opts.totalCount,
    is_msg_encrypted: false,
    meta: opts.meta ?? {},
  };
}

/**
 * A callback / sync-reply header. It always carries `sender_id` and `total_count` too, because
 * on-subscribe and on-unsubscribe are declared with the request header (SPEC-NOTES 1.3).
 */
export function newCallbackHeader(opts: {
  senderId: string;
  receiverId?: string;
  action: CallbackAction;
  status: RequestStatus;
  totalCount: number;
  completedCount?: number;
  reasonCode?: HeaderReasonCode;
  reasonMessage?: string;
}): MsgCallbackHeader & Pick<MsgHeader, 'sender_id' | 'total_count'> {
  return {
    version: '1.0.0',
    message_id: randomUUID(),
    message_ts: now(),
    action: opts.action,
    status: opts.status,
    ...(opts.reasonCode !== undefined && { status_reason_code: opts.reasonCode }),
    ...(opts.reasonMessage !== undefined && { status_reason_message: opts.reasonMessage.slice(0, 999) }),
    total_count: opts.totalCount,
    completed_count: opts.completedCount ?? opts.totalCount,
    sender_id: opts.senderId,
    ...(opts.receiverId !== undefined && { receiver_id: opts.receiverId }),
    is_msg_encrypted: false,
    meta: {},
  };
}

export function ackBody(correlationId: string, status: Exclude<AckStatus, 'ERR'> = 'ACK'): AckBody {
  return { message: { ack_status: status, timestamp: now(), correlation_id: correlationId } };
}

/** An ERR acknowledgement. `message` goes to the partner: keep internal details out of it. */
export function errBody(code: AckErrorCode, message: string, correlationId: string): AckBody {
  return { message: { ack_status: 'ERR', timestamp: now(), correlation_id: correlationId, error: { code, message: message.slice(0, 999) } } };
}
