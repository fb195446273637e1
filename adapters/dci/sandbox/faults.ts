/**
 * Failures the tests and demos switch on per registry. They apply to the registry's POST endpoints
 * (the JWKS stays reachable so a fault is never consumed by a key fetch), except `down`, which drops
 * every connection to the registry without an answer, as an unreachable host would.
 */
import type { NextFunction, Request, Response } from 'express';
import { httpError, RegistryName } from './envelope';

const STATUS_CODES: Record<number, string> = {
  401: 'err.request.unauthorized',
  403: 'err.request.forbidden',
  404: 'err.request.not_found',
  408: 'err.request.timeout',
  429: 'err.request.too_many_requests',
};
const codeForStatus = (status: number) => STATUS_CODES[status] ?? (status >= 500 ? 'err.service.unavailable' : 'err.request.bad');

interface RegistryFaults {
  failures: number[];
  delays: number[];
  retryAfter: { seconds: number; status: 429 | 503 }[];
  badSignatures: number;
  down: boolean;
}

const fresh = (): RegistryFaults => ({ failures: [], delays: [], retryAfter: [], badSignatures: 0, down: false });

export class Faults {
  private readonly state: Record<RegistryName, RegistryFaults> = { crvs: fresh(), ibr: fresh(), dr: fresh(), social: fresh() };

  constructor(private readonly onExpireTokens: () => void) {}

  /** The next `n` requests answer `status` with the HTTP error body. */
  failNext(registry: RegistryName, n: number, status = 500): void {
    for (let i = 0; i < n; i++) this.state[registry].failures.push(status);
  }

  /** The next `n` requests are held `ms` before being handled (timeout tests). */
  delayNext(registry: RegistryName, n: number, ms: number): void {
    for (let i = 0; i < n; i++) this.state[registry].delays.push(ms);
  }

  /** The next `n` envelopes the registry signs (sync replies, callbacks, notifications) carry a signature that does not verify. */
  badSignatureNext(registry: RegistryName, n: number): void {
    this.state[registry].badSignatures += n;
  }

  /** Every token issued so far stops working: the next call gets 401 until a new token is fetched. */
  expireTokens(): void {
    this.onExpireTokens();
  }

  down(registry: RegistryName, isDown: boolean): void {
    this.state[registry].down = isDown;
  }

  /** The next `n` requests answer 429 (or 503) with a `Retry-After: seconds` header. */
  retryAfterNext(registry: RegistryName, n: number, seconds: number, status: 429 | 503 = 429): void {
    for (let i = 0; i < n; i++) this.state[registry].retryAfter.push({ seconds, status });
  }

  /** Consumes one bad-signature fault if any is pending. */
  takeBadSignature(registry: RegistryName): boolean {
    const state = this.state[registry];
    if (state.badSignatures === 0) return false;
    state.badSignatures--;
    return true;
  }

  /** Drops the connection when the registry is down. */
  connection(registry: RegistryName) {
    return (req: Request, _res: Response, next: NextFunction) => {
      if (this.state[registry].down) req.socket.destroy();
      else next();
    };
  }

  /** Injected failures and delays for one POST, in that order. */
  requests(registry: RegistryName) {
    return async (_req: Request, res: Response, next: NextFunction) => {
      const state = this.state[registry];
      const failure = state.failures.shift();
      if (failure !== undefined) return httpError(res, failure, codeForStatus(failure), 'injected failure');
      const throttle = state.retryAfter.shift();
      if (throttle) {
        res.set('Retry-After', String(throttle.seconds));
        return httpError(res, throttle.status, throttle.status === 429 ? 'err.request.too_many_requests' : 'err.service.unavailable', 'try again later');
      }
      const delay = state.delays.shift();
      if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay));
      next();
    };
  }
}
