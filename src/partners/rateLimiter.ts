/**
 * Per-partner request budget for the DCI routes: a token bucket holding up to a minute's allowance,
 * refilled continuously, so a partner may burst up to `perMinute` and then runs at that rate.
 * In memory and per process: with several gateway processes each one enforces the limit on its own.
 */
export interface RateDecision {
  allowed: boolean;
  /** Whole seconds until `cost` requests would be allowed; 0 when allowed. For a Retry-After header. */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
  perMinute: number;
}

/**
 * Beyond this many buckets the full ones are dropped. A full bucket answers exactly as a missing one,
 * so this changes no decision; it keeps callers keyed on something unbounded (remote addresses) from
 * growing the map without end.
 */
const DEFAULT_MAX_BUCKETS = 10_000;

export class PartnerRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private pruneAt: number;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxBuckets = DEFAULT_MAX_BUCKETS,
  ) {
    this.pruneAt = maxBuckets;
  }

  /** Buckets currently held. */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes `cost` requests (for example the items of a batch) from the key's bucket if it holds them. */
  take(key: string, perMinute: number, cost = 1): RateDecision {
    if (!(perMinute > 0)) throw new RangeError('perMinute must be positive');
    const now = this.now();
    const tokens = this.tokens(key, perMinute, now);
    if (tokens >= cost) {
      this.store(key, { tokens: tokens - cost, at: now, perMinute });
      return { allowed: true, retryAfterSeconds: 0 };
    }
    this.store(key, { tokens, at: now, perMinute });
    // A cost above a minute's allowance can never be met: the answer is then "a minute", not a promise.
    const waitMs = Math.min((cost - tokens) / (perMinute / 60_000), 60_000);
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** Gives back `cost` requests taken for work that turned out not to count, up to a full bucket. */
  refund(key: string, perMinute: number, cost = 1): void {
    if (!this.buckets.has(key)) return;
    const now = this.now();
    const tokens = Math.min(perMinute, this.tokens(key, perMinute, now) + cost);
    if (tokens >= perMinute) this.buckets.delete(key);
    else this.buckets.set(key, { tokens, at: now, perMinute });
  }

  /** The key's tokens now; a changed limit takes effect at once, with the bucket capped to the new size. */
  private tokens(key: string, perMinute: number, now: number): number {
    const previous = this.buckets.get(key);
    return previous ? Math.min(perMinute, previous.tokens + (now - previous.at) * (perMinute / 60_000)) : perMinute;
  }

  private store(key: string, bucket: Bucket): void {
    if (!this.buckets.has(key) && this.buckets.size >= this.pruneAt) this.prune(bucket.at);
    this.buckets.set(key, bucket);
  }

  /**
   * Drops the buckets that have refilled. When most are still in use the next prune waits until the
   * map has doubled, so a sweep costs O(1) per request however many keys are live.
   */
  private prune(now: number): void {
    for (const [key, { tokens, at, perMinute }] of this.buckets) {
      if (tokens + (now - at) * (perMinute / 60_000) >= perMinute) this.buckets.delete(key);
    }
    this.pruneAt = Math.max(this.maxBuckets, 2 * this.buckets.size);
  }
}
