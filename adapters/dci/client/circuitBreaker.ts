/**
 * One breaker per data source: after `failureThreshold` consecutive failures the partner is left
 * alone for `coolDownMs` (callers fail fast), then one trial request decides whether it is back.
 */
export interface CircuitOptions {
  failureThreshold: number;
  coolDownMs: number;
  now?: () => number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trialInFlight = false;
  private readonly now: () => number;

  constructor(private readonly opts: CircuitOptions) {
    this.now = opts.now ?? Date.now;
  }

  state(): CircuitState {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.opts.coolDownMs ? 'half-open' : 'open';
  }

  /** Whether a request may go out now; in half-open, only one trial at a time. */
  admit(): boolean {
    const state = this.state();
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.trialInFlight = false;
  }

  failure(): void {
    this.failures += 1;
    // A failed trial re-opens at once; otherwise open on reaching the threshold.
    if (this.trialInFlight || this.failures >= this.opts.failureThreshold) this.openedAt = this.now();
    this.trialInFlight = false;
  }

  /** An attempt that said nothing about the partner's health (e.g. refused before sending). */
  release(): void {
    this.trialInFlight = false;
  }
}
