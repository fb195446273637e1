/**
 * One data source's HTTP exchanges: bearer token, rate budget, circuit breaker, and retries of
 * timeouts, 5xx and 429/503 with exponential backoff and jitter (or the partner's Retry-After).
 * Each attempt sends a freshly built and signed body, so a retry never trips the partner's replay
 * guard with a message id it already saw.
 */
import type { Logger } from '../../../src/log';
import { requestIdHeaders } from '../../../src/requestScope';
import { PartnerRateLimiter } from '../../../src/partners/rateLimiter';
import type { SignedMessage } from '../protocol';
import { CircuitBreaker } from './circuitBreaker';
import type { DataSourceConfig } from './dataSource';
import { AttemptFailure, gatewayErrorFor, partnerErrorCode, unavailable } from './failures';
import { requestToken } from './oauth2';
import { retryAfterMs, retryDelay, RetryOptions } from './retryPolicy';
import { TokenCache } from './tokenCache';

export interface TransportDeps {
  fetch: typeof fetch;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  retry: RetryOptions;
  breaker: CircuitBreaker;
  limiter: PartnerRateLimiter;
  log: Logger;
}

export interface Delivered {
  status: number;
  headers: Record<string, string>;
  text: string;
  attempts: number;
}

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export class Transport {
  private readonly tokens: TokenCache | undefined;

  constructor(
    private readonly source: DataSourceConfig,
    private readonly deps: TransportDeps,
  ) {
    const { auth } = source;
    this.tokens = auth.type === 'oauth2' ? new TokenCache(() => requestToken(auth, { timeoutMs: source.timeoutMs, fetch: deps.fetch }), { now: deps.now }) : undefined;
  }

  /** POSTs to `${baseUrl}${path}` until a 2xx answer; anything else ends as a GatewayError. */
  async post(path: string, build: () => Promise<SignedMessage>): Promise<Delivered> {
    const { retry, breaker } = this.deps;
    let failure: AttemptFailure | undefined;
    for (let attempt = 1; ; attempt++) {
      if (!breaker.admit()) {
        // A call whose own attempts failed reports why, even when they (or others') opened the breaker.
        throw failure ? gatewayErrorFor(this.source.name, failure) : unavailable(this.source.name, 'CIRCUIT_OPEN', 'the registry failed repeatedly; calls are paused for a while');
      }
      try {
        await this.awaitRateBudget();
        const answer = await this.attempt(path, await build());
        breaker.success();
        return { ...answer, attempts: attempt };
      } catch (error) {
        if (!(error instanceof AttemptFailure)) {
          breaker.release();
          throw error;
        }
        failure = error;
      }
      if (failure.retryable) breaker.failure();
      else breaker.release();
      const wait = retryDelay(attempt, retry, failure.retryAfterMs, this.deps.random);
      const tooLong = failure.retryAfterMs !== undefined && failure.retryAfterMs > retry.maxRetryAfterMs;
      if (!failure.retryable || attempt >= retry.maxAttempts || tooLong) throw gatewayErrorFor(this.source.name, failure);
      this.deps.log.warn({ dataSource: this.source.name, operation: path, attempt, failure: failure.message, retryInMs: wait }, 'data source call failed; retrying');
      await this.deps.sleep(wait);
    }
  }

  /** One POST, plus one more with a fresh token when the partner rejects the cached one. */
  private async attempt(path: string, signed: SignedMessage): Promise<Omit<Delivered, 'attempts'>> {
    let token = await this.bearer();
    let answer = await this.send(path, signed, token);
    if (answer.status === 401 && this.tokens && token) {
      this.tokens.invalidate(token);
      token = await this.bearer();
      answer = await this.send(path, signed, token);
    }
    if (answer.status >= 200 && answer.status < 300) return answer;
    throw new AttemptFailure('HTTP', answer.status, retryAfterMs(answer.headers['retry-after'], this.deps.now()), partnerErrorCode(answer.text));
  }

  private async bearer(): Promise<string | undefined> {
    const { auth } = this.source;
    if (auth.type === 'bearer') return auth.token;
    return this.tokens?.get();
  }

  private async send(path: string, signed: SignedMessage, token: string | undefined): Promise<Omit<Delivered, 'attempts'>> {
    // The request (or job) on whose behalf we call passes its id on, so both sides' logs can be matched.
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...requestIdHeaders(), ...signed.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    try {
      const res = await this.deps.fetch(`${this.source.baseUrl}${path}`, {
        method: 'POST',
        headers,
        body: signed.rawBody,
        signal: AbortSignal.timeout(this.source.timeoutMs),
        redirect: 'error',
      });
      if (Number(res.headers.get('content-length')) > MAX_RESPONSE_BYTES) throw new AttemptFailure('HTTP', 502);
      const text = await res.text();
      return { status: res.status, headers: Object.fromEntries(res.headers), text };
    } catch (error) {
      if (error instanceof AttemptFailure) throw error;
      throw new AttemptFailure((error as Error).name === 'TimeoutError' ? 'TIMEOUT' : 'UNREACHABLE');
    }
  }

  /** Waits for this data source's own request budget (a token bucket of a minute's allowance). */
  private async awaitRateBudget(): Promise<void> {
    for (;;) {
      const decision = this.deps.limiter.take(this.source.name, this.source.rateLimitPerMinute);
      if (decision.allowed) return;
      await this.deps.sleep(decision.retryAfterSeconds * 1000);
    }
  }
}
