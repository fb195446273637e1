/** DCI bodies the registries answer with: callback headers, acknowledgements and error bodies. */
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';

export type RegistryName = 'crvs' | 'ibr' | 'dr' | 'social';
export const REGISTRY_NAMES: readonly RegistryName[] = ['crvs', 'ibr', 'dr', 'social'];

export type Json = Record<string, unknown>;
export type RequestStatus = 'succ' | 'rjct';

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
export const now = () => new Date().toISOString();

/** A transport or parsing failure: HTTP 4xx with an ERR acknowledgement carrying `code`. */
export class BadRequest extends Error {
  constructor(
    message: string,
    readonly code: 'err.request.bad' | 'err.sender_uri.invalid' | 'err.signature.invalid' | 'err.signature.missing' | 'err.encryption.invalid' = 'err.request.bad',
    readonly status = 400,
  ) {
    super(message);
  }
}

/** HTTP-layer error body (`HttpErrorResponse`), used for auth failures and injected faults. */
export function httpError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ code, message }] });
}

export function ackBody(correlationId: string) {
  return { message: { ack_status: 'ACK', timestamp: now(), correlation_id: correlationId } };
}

export function errAck(res: Response, failure: BadRequest, correlationId: string = randomUUID()): void {
  res.status(failure.status).json({
    message: { ack_status: 'ERR', timestamp: now(), correlation_id: correlationId, error: { code: failure.code, message: failure.message.slice(0, 999) } },
  });
}

/**
 * A callback / sync-reply header. It carries `sender_id` and `total_count` as well, because the spec
 * declares on-subscribe and on-unsubscribe with the request header (SPEC-NOTES 1.3).
 */
export function callbackHeader(opts: {
  senderId: string;
  receiverId?: string;
  action: string;
  status: RequestStatus;
  totalCount: number;
  reasonMessage?: string;
}): Json {
  return {
    version: '1.0.0',
    message_id: randomUUID(),
    message_ts: now(),
    action: opts.action,
    status: opts.status,
    ...(opts.reasonMessage !== undefined && { status_reason_message: opts.reasonMessage.slice(0, 999) }),
    total_count: opts.totalCount,
    completed_count: opts.totalCount,
    sender_id: opts.senderId,
    ...(opts.receiverId !== undefined && { receiver_id: opts.receiverId }),
    is_msg_encrypted: false,
    meta: {},
  };
}

/** The array member `name` of a message, or a BadRequest naming it. */
export function listOf(message: Json, name: string): Json[] {
  const list = message[name];
  if (!Array.isArray(list) || list.length === 0 || !list.every(isObject)) throw new BadRequest(`message.${name} must be a non-empty array of objects`);
  return list;
}

export function textOf(source: Json, name: string, where = 'message'): string {
  const value = source[name];
  if (typeof value !== 'string' || value === '') throw new BadRequest(`${where}.${name} must be a non-empty string`);
  return value;
}

/** Dates compare as calendar days: records hold days, queries may send days or DateTimes. */
export const dateTime = (day: string) => `${day}T00:00:00Z`;

/**
 * Answers an unsubscribe: the sender's own codes are dropped from `subscriptions`; any other code,
 * another sender's included, is unknown and makes the request `rjct`.
 */
export function unsubscribeFrom(
  subscriptions: Map<string, { subscriberId: string }>,
  m: { message: Json; senderId: string; correlationId: string },
): { message: Json; status: RequestStatus; count: number } {
  const transactionId = textOf(m.message, 'transaction_id');
  const codes = m.message.subscription_codes;
  if (!Array.isArray(codes) || codes.length === 0 || !codes.every((c) => typeof c === 'string')) {
    throw new BadRequest('message.subscription_codes must be a non-empty list of codes');
  }
  const known = codes.filter((code) => subscriptions.get(code)?.subscriberId === m.senderId);
  const unknown = codes.filter((code) => !known.includes(code));
  for (const code of known) subscriptions.delete(code);
  const rejected = unknown.length > 0;
  const message = {
    transaction_id: transactionId,
    correlation_id: m.correlationId,
    timestamp: now(),
    status: rejected ? 'rjct' : 'succ',
    ...(rejected && { status_reason_code: 'rjct.subscription_code.invalid', status_reason_message: `unknown subscription codes: ${unknown.join(', ')}`.slice(0, 999) }),
    subscription_status: known.map((code) => ({ code, status: 'unsubscribe' })),
  };
  return { message, status: rejected ? 'rjct' : 'succ', count: codes.length };
}
