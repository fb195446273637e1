/**
 * How an exchange with a data source failed, and the GatewayError a caller sees for it. Callers only
 * ever get GatewayErrors; `details.reason` says what happened without any partner payload.
 */
import { GatewayError } from '../../../src/errors';
import { isRetryableStatus } from './retryPolicy';

export type FailureReason = 'TIMEOUT' | 'UNREACHABLE' | 'HTTP' | 'TOKEN_REFUSED';

/** One failed HTTP attempt (to the registry or its token endpoint). */
export class AttemptFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    readonly status?: number,
    readonly retryAfterMs?: number,
    /** The partner's `err.*` code, when its error body carried one. */
    readonly partnerCode?: string,
  ) {
    super(status === undefined ? reason : `${reason} ${status}`);
    this.name = 'AttemptFailure';
  }

  /** Says something about the partner's health (counts for the circuit breaker) and is worth another attempt. */
  get retryable(): boolean {
    return this.reason === 'TIMEOUT' || this.reason === 'UNREACHABLE' || (this.reason === 'HTTP' && isRetryableStatus(this.status!));
  }
}

/** The partner's error code from an ACK-ERR body (`message.error.code`) or an HTTP error body (`errors[0].code`). */
export function partnerErrorCode(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { message?: { error?: { code?: unknown } }; errors?: { code?: unknown }[] };
    const code = body.message?.error?.code ?? body.errors?.[0]?.code;
    return typeof code === 'string' ? code.slice(0, 64) : undefined;
  } catch {
    return undefined;
  }
}

export function unavailable(dataSource: string, reason: string, message: string, extra: Record<string, unknown> = {}): GatewayError {
  return new GatewayError('UNAVAILABLE', `data source ${dataSource}: ${message}`, { dataSource, reason, ...extra });
}

/** The error for a call whose last attempt failed this way. */
export function gatewayErrorFor(dataSource: string, failure: AttemptFailure): GatewayError {
  const extra = { ...(failure.status !== undefined && { httpStatus: failure.status }), ...(failure.partnerCode && { partnerCode: failure.partnerCode }) };
  switch (failure.reason) {
    case 'TIMEOUT':
      return unavailable(dataSource, 'TIMEOUT', 'the registry did not answer in time');
    case 'UNREACHABLE':
      return unavailable(dataSource, 'UNREACHABLE', 'the registry cannot be reached');
    case 'TOKEN_REFUSED':
      return unavailable(dataSource, 'TOKEN_REFUSED', 'the token endpoint refused our client credentials', extra);
    case 'HTTP':
      break;
  }
  const status = failure.status!;
  if (status === 429) {
    return new GatewayError('RATE_LIMITED', `data source ${dataSource}: the registry asks us to slow down`, {
      dataSource,
      reason: 'PARTNER_RATE_LIMITED',
      ...(failure.retryAfterMs !== undefined && { retryAfterSeconds: Math.ceil(failure.retryAfterMs / 1000) }),
    });
  }
  if (status === 401 || status === 403) return unavailable(dataSource, 'PARTNER_REFUSED_CREDENTIALS', 'the registry refused our credentials', extra);
  // We validate every request against the partner's schema first, so a 400 is about the query's content.
  if (status === 400) return new GatewayError('BAD_USER_INPUT', `data source ${dataSource}: the registry refused the request`, { dataSource, reason: 'PARTNER_REFUSED_REQUEST', ...extra });
  return unavailable(dataSource, status >= 500 ? 'PARTNER_ERROR' : 'PARTNER_REFUSED_REQUEST', `the registry answered HTTP ${status}`, extra);
}
