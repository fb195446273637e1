/** When and how long to wait before trying a data source again. */
import { Backoff, backoffDelay } from '../../../src/jobs/backoff';

export interface RetryOptions {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  backoff: Backoff;
  /** A partner's Retry-After longer than this is not waited for: the call fails instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 4,
  backoff: { baseMs: 250, maxMs: 5000, jitter: true },
  maxRetryAfterMs: 30_000,
};

/** Statuses worth another attempt: the partner is overloaded or briefly down. */
export const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/** `Retry-After` in milliseconds from now: delta-seconds or an HTTP date (RFC 9110 10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The wait before attempt `attempt + 1`: the partner's Retry-After when it gave one, else exponential backoff with jitter. */
export function retryDelay(attempt: number, opts: RetryOptions, retryAfter: number | undefined, random?: () => number): number {
  return retryAfter ?? backoffDelay(attempt, opts.backoff, random);
}
