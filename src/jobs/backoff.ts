export interface Backoff {
  baseMs: number;
  maxMs: number;
  /** Default true: spreads retries of jobs that failed together (e.g. during an outage). */
  jitter?: boolean;
}

/**
 * Delay before retrying after failed attempt `attempt` (1-based): baseMs·2^(attempt-1) capped at
 * maxMs, with "equal jitter" (a random point in the upper half) so the delay still grows.
 */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const exponential = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (attempt - 1));
  if (backoff.jitter === false) return exponential;
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
