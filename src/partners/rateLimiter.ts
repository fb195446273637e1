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
}

export class PartnerRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes `cost` requests (for example the items of a batch) from the partner's bucket if it holds them. */
  take(senderId: string, perMinute: number, cost = 1): RateDecision {
    return this.decide(senderId, perMinute, cost, true);
  }

  /** Whether `cost` requests could be taken now, without taking them. */
  check(senderId: string, perMinute: number, cost = 1): RateDecision {
    return this.decide(senderId, perMinute, cost, false);
  }

  private decide(senderId: string, perMinute: number, cost: number, take: boolean): RateDecision {
    if (!(perMinute > 0)) throw new RangeError('perMinute must be positive');
    const now = this.now();
    const ratePerMs = perMinute / 60_000;
    const previous = this.buckets.get(senderId);
    // A changed limit takes effect at once, with the bucket capped to the new size.
    const tokens = previous ? Math.min(perMinute, previous.tokens + (now - previous.at) * ratePerMs) : perMinute;
    if (tokens >= cost) {
      if (take) this.buckets.set(senderId, { tokens: tokens - cost, at: now });
      return { allowed: true, retryAfterSeconds: 0 };
    }
    this.buckets.set(senderId, { tokens, at: now });
    // A cost above a minute's allowance can never be met: the answer is then "a minute", not a promise.
    const waitMs = Math.min((cost - tokens) / ratePerMs, 60_000);
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }
}
