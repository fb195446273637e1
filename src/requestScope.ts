/**
 * Request ids end to end. Every HTTP request gets an id, taken from its `X-Request-Id` or the trace id
 * of its W3C `traceparent`, else generated; it is sent back in `X-Request-Id`, carried by every log line
 * written while the request is handled (src/log.ts reads the scope), with the DCI correlation and
 * transaction ids once they are known, and passed on to the jobs the request queues and to the DCI
 * calls and callbacks made on its behalf.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export interface RequestScope {
  requestId: string;
  correlationId?: string;
  transactionId?: string;
}

const scopes = new AsyncLocalStorage<RequestScope>();

export const REQUEST_ID_HEADER = 'x-request-id';
/** Short enough for a log field and a header, and nothing that could forge a log line or a header. */
const CALLER_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;
/** version-traceid-parentid-flags; an all-zero trace id is invalid (W3C Trace Context §3.2.2.3). */
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value?.trim();
}

/** The caller's id if it gave a usable one, else its trace id, else a new one. */
export function requestIdOf(headers: Record<string, string | string[] | undefined>): string {
  const given = single(headers[REQUEST_ID_HEADER]);
  if (given && CALLER_ID.test(given)) return given;
  const traceId = TRACEPARENT.exec(single(headers.traceparent) ?? '')?.[1];
  if (traceId && !/^0+$/.test(traceId)) return traceId;
  return randomUUID();
}

export function currentScope(): RequestScope | undefined {
  return scopes.getStore();
}

export function currentRequestId(): string | undefined {
  return scopes.getStore()?.requestId;
}

/** Runs `fn` (and everything it starts) under the scope. */
export function inRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

/** Runs `fn` outside any request: for background work a request merely woke up (a job poll), which is not part of it. */
export function outsideRequestScope<T>(fn: () => T): T {
  return scopes.exit(fn);
}

/** The headers that pass the current request id on to a partner (outbound DCI calls, callbacks, notifications). */
export function requestIdHeaders(): Record<string, string> {
  const requestId = currentRequestId();
  return requestId ? { [REQUEST_ID_HEADER]: requestId } : {};
}

/** Adds the DCI ids to the current request's scope, so the log lines that follow name them. */
export function tagRequest(ids: Pick<RequestScope, 'correlationId' | 'transactionId'>): void {
  const scope = scopes.getStore();
  if (scope) Object.assign(scope, ids);
}

/** First middleware: gives the request its id, answers it in the response header, and opens its scope. */
export function requestIds(req: Request, res: Response, next: NextFunction): void {
  const scope: RequestScope = { requestId: requestIdOf(req.headers) };
  res.locals.requestScope = scope;
  res.set('X-Request-Id', scope.requestId);
  scopes.run(scope, next);
}

/**
 * Re-enters the request's scope after a body parser: the parser resumes on the socket's events, which
 * belong to the connection, not to the request, so the scope is lost across it.
 */
export function continueRequestScope(_req: Request, res: Response, next: NextFunction): void {
  const scope = res.locals.requestScope as RequestScope | undefined;
  if (scope) scopes.run(scope, next);
  else next();
}
