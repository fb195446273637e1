/**
 * The DCI status values and codes, spelled exactly as the official OpenAPI files spell them
 * (components.schemas.*StatusReasonCode, Error.code, RequestStatus, the ACK `ack_status`); a test
 * checks this catalogue against the YAML enums.
 */
import { ERROR_CODES, ErrorCode } from '../../../src/errors';

export const DCI_CODES = {
  /** Header `status` and per-item `status` (RequestStatus). */
  requestStatus: ['rcvd', 'pdng', 'succ', 'rjct'],
  /** `message.ack_status` of the acknowledgement body. */
  ackStatus: ['ACK', 'NACK', 'ERR'],
  /** `message.error.code` of an ERR acknowledgement: transport, parsing and integrity failures. */
  ackError: [
    'err.request.bad',
    'err.request.unauthorized',
    'err.request.forbidden',
    'err.request.not_found',
    'err.request.timeout',
    'err.version.not_supported',
    'err.request.too_many_requests',
    'err.sender_id.invalid',
    'err.sender_uri.invalid',
    'err.receiver_id.invalid',
    'err.signature.missing',
    'err.signature.invalid',
    'err.encryption.invalid',
    'err.service.unavailable',
  ],
  /** Business rejections (`status: rjct`), per place they may appear. */
  reason: {
    /** MsgHeaderStatusReasonCode: callback header `status_reason_code`. */
    header: [
      'rjct.version.invalid',
      'rjct.message_id.duplicate',
      'rjct.message_ts.invalid',
      'rjct.action.invalid',
      'rjct.action.not_supported',
      'rjct.total_count.invalid',
      'rjct.total_count.limit_exceeded',
      'rjct.errors.too_many',
    ],
    /** SearchStatusReasonCode: `search_response[].status_reason_code`. */
    search: [
      'rjct.reference_id.invalid',
      'rjct.reference_id.duplicate',
      'rjct.timestamp.invalid',
      'rjct.search_criteria.invalid',
      'rjct.filter.invalid',
      'rjct.sort.invalid',
      'rjct.pagination.invalid',
      'rjct.search.too_many_records_found',
    ],
    /** SubscribeStatusReasonCode: `subscribe_response[].status_reason_code`. */
    subscribe: [
      'rjct.reference_id.invalid',
      'rjct.reference_id.duplicate',
      'rjct.timestamp.invalid',
      'rjct.notify_types.invalid',
      'rjct.notify_details.invalid',
      'rjct.person_id.invalid',
      'rjct.event.already_subscribed',
    ],
    /** UnSubscribeStatusReasonCode: unsubscribe response `status_reason_code`. */
    unsubscribe: [
      'rjct.reference_id.invalid',
      'rjct.reference_id.duplicate',
      'rjct.timestamp.invalid',
      'rjct.subscription_code.invalid',
      'rjct.requester.invalid',
      'rjct.event.already_unsubscribed',
    ],
    /** Receipt items: our extension (protocol/extensions/receipts.yaml), a warning with status succ. */
    receipt: ['warn.notification.not_found'],
  },
} as const;

export type RequestStatus = (typeof DCI_CODES.requestStatus)[number];
export type AckStatus = (typeof DCI_CODES.ackStatus)[number];
export type AckErrorCode = (typeof DCI_CODES.ackError)[number];
export type HeaderReasonCode = (typeof DCI_CODES.reason.header)[number];
export type SearchReasonCode = (typeof DCI_CODES.reason.search)[number];
export type SubscribeReasonCode = (typeof DCI_CODES.reason.subscribe)[number];
export type UnsubscribeReasonCode = (typeof DCI_CODES.reason.unsubscribe)[number];
export type ReceiptReasonCode = (typeof DCI_CODES.reason.receipt)[number];

/**
 * The ACK error code and HTTP status for each of the gateway's shared error codes. The spec has no
 * code for a conflict, a too-complex query or an internal failure: they fall back to the nearest
 * transport code while keeping their own HTTP status.
 */
const ACK_ERROR_FOR: Record<ErrorCode, AckErrorCode> = {
  UNAUTHENTICATED: 'err.request.unauthorized',
  FORBIDDEN: 'err.request.forbidden',
  BAD_USER_INPUT: 'err.request.bad',
  NOT_FOUND: 'err.request.not_found',
  CONFLICT: 'err.request.bad',
  QUERY_TOO_COMPLEX: 'err.request.bad',
  RATE_LIMITED: 'err.request.too_many_requests',
  UNAVAILABLE: 'err.service.unavailable',
  INTERNAL_SERVER_ERROR: 'err.service.unavailable',
};

export function dciErrorFor(code: ErrorCode): { code: AckErrorCode; http: number } {
  return { code: ACK_ERROR_FOR[code], http: ERROR_CODES[code].http };
}

/** HTTP status to send with an ERR acknowledgement raised by the protocol layer itself (signature, replay…). */
const HTTP_FOR_ACK_ERROR: Record<AckErrorCode, number> = {
  'err.request.bad': 400,
  'err.request.unauthorized': 401,
  'err.request.forbidden': 403,
  'err.request.not_found': 404,
  'err.request.timeout': 408,
  'err.version.not_supported': 400,
  'err.request.too_many_requests': 429,
  'err.sender_id.invalid': 401,
  'err.sender_uri.invalid': 400,
  'err.receiver_id.invalid': 400,
  'err.signature.missing': 401,
  'err.signature.invalid': 401,
  'err.encryption.invalid': 400,
  'err.service.unavailable': 503,
};

export function httpStatusFor(code: AckErrorCode): number {
  return HTTP_FOR_ACK_ERROR[code];
}
