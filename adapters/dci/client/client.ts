/**
 * The outbound DCI client for one data source (a partner CRVS, IBR, DR or social registry): batched
 * sync search, async search completed through our callback receiver, and the registry-specific sync
 * calls. Transport concerns (token, rate, breaker, retries) live in Transport; envelope checks in
 * envelopes.ts. Every call is logged with ids, counts and outcome, never with record content.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, GatewayError } from '../../../src/errors';
import type { Logger } from '../../../src/log';
import { PartnerRateLimiter } from '../../../src/partners/rateLimiter';
import type { PartnerKeyResolver, RequestAction, SearchCriteria, SearchResponse, SearchResponseItem, SubscribeCriteria, SubscribeResponse, UnsubscribeResponse } from '../protocol';
import type { CallbackHub, ReceivedCallback } from '../server/callbackHub';
import { CircuitBreaker, CircuitOptions } from './circuitBreaker';
import type { DataSourceConfig } from './dataSource';
import { acknowledgement, operationValidator, ReceivedEnvelope, Signer, signedRequest, verifiedReply } from './envelopes';
import { unavailable } from './failures';
import { applyQuirks } from './quirks';
import { responseKeyResolver } from './responseKeys';
import { DEFAULT_RETRY, RetryOptions } from './retryPolicy';
import { Delivered, Transport } from './transport';

export interface SearchItem {
  /** Generated when absent; echoed in the matching response item. */
  reference_id?: string;
  search_criteria: SearchCriteria;
  locale?: string;
}

/** One finished call, as logged: which data source and operation, and how it ended; never ids or content. */
export interface DataSourceCall {
  dataSource: string;
  /** The partner API path, e.g. `/registry/sync/search`. */
  operation: string;
  /** `ok`, or the error code the caller got. */
  outcome: 'ok' | ErrorCode;
  /** What happened when it failed (`details.reason`, e.g. `CALLBACK_TIMEOUT`). */
  reason?: string;
  durationMs: number;
}

/** Told about every finished call (metrics); the client knows nothing more about who listens. */
export type DataSourceCallObserver = (call: DataSourceCall) => void;

export interface DciClientDeps {
  /** Our signing keys (gateway.dci.keys). */
  signer: Signer;
  /** Where our receiver endpoints hand verified callbacks (gateway.dci.hub). */
  hub: CallbackHub;
  log: Logger;
  observer?: DataSourceCallObserver;
  retry?: RetryOptions;
  /** The cool-down is the data source's own (`breakerCoolDownMs`). */
  circuit?: Pick<CircuitOptions, 'failureThreshold'>;
  /** Verifies reply signatures; by default the data source's pinned keys or JWKS URL. */
  responseKeys?: PartnerKeyResolver;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const BREAKER_FAILURE_THRESHOLD = 5;
export const SEARCH_PATH = '/registry/sync/search';
export const ASYNC_SEARCH_PATH = '/registry/search';
export const ON_SEARCH_PATH = '/registry/on-search';
export const SUBSCRIBE_PATH = '/registry/subscribe';
export const ON_SUBSCRIBE_PATH = '/registry/on-subscribe';
export const UNSUBSCRIBE_PATH = '/registry/unsubscribe';
export const ON_UNSUBSCRIBE_PATH = '/registry/on-unsubscribe';

/** A partner's acknowledgement of an async request. */
export type Acknowledgement = ReturnType<typeof acknowledgement>;

export type SubscribeResponseItem = SubscribeResponse['subscribe_response'][number];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const FINAL = new Set(['succ', 'rjct']);

type Prepared = Required<Pick<SearchItem, 'reference_id'>> & SearchItem & { timestamp: string };

interface Settle<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

export class DciClient {
  readonly breaker: CircuitBreaker;
  private readonly transport: Transport;
  private readonly responseKeys: PartnerKeyResolver;
  private readonly now: () => number;

  constructor(
    readonly source: DataSourceConfig,
    private readonly deps: DciClientDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.breaker = new CircuitBreaker({ failureThreshold: BREAKER_FAILURE_THRESHOLD, coolDownMs: source.breakerCoolDownMs, ...deps.circuit, now: this.now });
    this.responseKeys = deps.responseKeys ?? responseKeyResolver(source, { log: deps.log, fetch: deps.fetch, now: this.now });
    this.transport = new Transport(source, {
      fetch: deps.fetch ?? fetch,
      now: this.now,
      sleep: deps.sleep ?? sleep,
      random: deps.random ?? Math.random,
      retry: deps.retry ?? DEFAULT_RETRY,
      breaker: this.breaker,
      limiter: new PartnerRateLimiter(this.now),
      log: deps.log,
    });
  }

  /**
   * Sync search of many items at once: `maxItemsPerEnvelope` items per envelope (one HTTP call each,
   * not one per person). Returns every response item, each carrying its request's reference_id.
   */
  async search(items: SearchItem[]): Promise<SearchResponseItem[]> {
    const batches = this.batches(items);
    const replies = await Promise.all(
      batches.map((batch) => {
        const message = { transaction_id: randomUUID(), search_request: batch };
        return this.logged(SEARCH_PATH, message.transaction_id, batch.length, async (note) => {
          const reply = await this.exchange<SearchResponse>(SEARCH_PATH, 'search', message, batch.length);
          note({ correlationId: reply.message?.correlation_id, attempts: reply.delivered.attempts });
          return this.searchResponses(reply.header, reply.message, message.transaction_id);
        });
      }),
    );
    return replies.flat();
  }

  /**
   * Any sync operation of the partner's API with a message of our making, e.g. IBR
   * `/registry/sync/enrolled` or DR `/registry/sync/disabled`; `transaction_id` is added when absent.
   * Returns the verified reply envelope; a message-level rejection is an error.
   */
  async syncCall<M = Record<string, unknown>>(path: string, message: Record<string, unknown>): Promise<ReceivedEnvelope<M>> {
    const full = { transaction_id: randomUUID(), ...message };
    return this.logged(path, String(full.transaction_id), 1, async (note) => {
      const reply = await this.exchange<M>(path, 'search', full, 1);
      note({ attempts: reply.delivered.attempts });
      this.refuseRejection(reply.header);
      return reply;
    });
  }

  /**
   * Async search: the partner ACKs, then POSTs its results to our `/registry/on-search`, which hands
   * them (verified) to the CallbackHub. Resolves once every item has a final answer; rejects with
   * UNAVAILABLE when the results do not arrive within `timeoutMs` of the ACK.
   */
  async searchAsync(items: SearchItem[], opts: { timeoutMs: number }): Promise<SearchResponseItem[]> {
    const replies = await Promise.all(this.batches(items).map((batch) => this.searchAsyncBatch(batch, opts.timeoutMs)));
    return replies.flat();
  }

  private async searchAsyncBatch(batch: Prepared[], timeoutMs: number): Promise<SearchResponseItem[]> {
    const results = new Map<string, SearchResponseItem>();
    return this.awaitCallback<SearchResponseItem[]>(
      { path: ASYNC_SEARCH_PATH, action: 'search', callbackPath: ON_SEARCH_PATH, items: { search_request: batch }, count: batch.length, timeoutMs },
      { refused: 'the registry will not answer this search', late: 'the search results did not arrive in time' },
      (callback, settle) =>
        this.collect(callback, batch, results, { resolve: () => settle.resolve(batch.map((item) => results.get(item.reference_id)!)), reject: settle.reject }),
    );
  }

  /**
   * Async search left to complete later: sent under the caller's `transactionId`, it returns with the
   * partner's ACK. The results reach our `/registry/on-search`, where the CallbackHub hands them to
   * `onAction('on-search')` listeners: the caller stores the transaction before calling, so that a
   * partner answering before its ACK arrives finds it. At most one envelope of items.
   */
  async searchLater(items: SearchItem[], transactionId: string): Promise<Acknowledgement> {
    const [batch, ...more] = this.batches(items);
    if (more.length > 0) throw new GatewayError('BAD_USER_INPUT', `at most ${this.source.maxItemsPerEnvelope} items go in one async search`, { field: 'items' });
    const message = { transaction_id: transactionId, search_request: batch };
    const senderUri = this.callbackUri(ON_SEARCH_PATH);
    return this.logged(ASYNC_SEARCH_PATH, transactionId, batch.length, async (note) => {
      const answer = await this.transport.post(ASYNC_SEARCH_PATH, () =>
        signedRequest(this.source, this.deps.signer, { path: ASYNC_SEARCH_PATH, action: 'search', message, totalCount: batch.length, senderUri }),
      );
      const ack = acknowledgement(this.source, ASYNC_SEARCH_PATH, answer.text);
      note({ correlationId: ack.correlation_id, attempts: answer.attempts });
      if (ack.ack_status !== 'ACK') throw unavailable(this.source.name, `ACK_${ack.ack_status}`, 'the registry will not answer this search', { partnerCode: ack.error?.code });
      return ack;
    });
  }

  /**
   * Subscribes to registry events: the partner ACKs, then confirms on our `/registry/on-subscribe`
   * with its subscription codes. Its notifications go to our `/registry/notify` (SPEC-NOTES 2.2),
   * where the CallbackHub hands them to `onAction('notify')` listeners.
   */
  async subscribe(criteria: SubscribeCriteria[], opts: { timeoutMs: number }): Promise<SubscribeResponseItem[]> {
    const timestamp = new Date(this.now()).toISOString();
    const items = { subscribe_request: criteria.map((c) => ({ reference_id: randomUUID(), timestamp, subscribe_criteria: c })) };
    return this.awaitCallback<SubscribeResponseItem[]>(
      { path: SUBSCRIBE_PATH, action: 'subscribe', callbackPath: ON_SUBSCRIBE_PATH, items, count: criteria.length, timeoutMs: opts.timeoutMs },
      { refused: 'the registry will not confirm this subscription', late: 'the subscription was not confirmed in time' },
      (callback, settle) => {
        if (callback.senderId !== this.source.receiverId) return;
        const valid = operationValidator(this.source, ON_SUBSCRIBE_PATH, 'request')({ header: callback.header, message: callback.message });
        if (!valid.ok) return settle.reject(unavailable(this.source.name, 'INVALID_RESPONSE', `the confirmation does not match the ${this.source.kind} ${ON_SUBSCRIBE_PATH} schema`));
        settle.resolve((callback.message as SubscribeResponse).subscribe_response);
      },
    );
  }

  /** Ends subscriptions: the partner ACKs, then confirms on our `/registry/on-unsubscribe`. */
  async unsubscribe(codes: string[], opts: { timeoutMs: number }): Promise<UnsubscribeResponse> {
    const items = { timestamp: new Date(this.now()).toISOString(), subscription_codes: codes };
    return this.awaitCallback<UnsubscribeResponse>(
      { path: UNSUBSCRIBE_PATH, action: 'unsubscribe', callbackPath: ON_UNSUBSCRIBE_PATH, items, count: codes.length, timeoutMs: opts.timeoutMs },
      { refused: 'the registry will not end these subscriptions', late: 'the unsubscription was not confirmed in time' },
      (callback, settle) => {
        if (callback.senderId !== this.source.receiverId) return;
        const valid = operationValidator(this.source, ON_UNSUBSCRIBE_PATH, 'request')({ header: callback.header, message: callback.message });
        if (!valid.ok) return settle.reject(unavailable(this.source.name, 'INVALID_RESPONSE', `the confirmation does not match the ${this.source.kind} ${ON_UNSUBSCRIBE_PATH} schema`));
        settle.resolve(callback.message as UnsubscribeResponse);
      },
    );
  }

  /** Our receiver endpoint at `path` as the partner reaches it (the async request's `sender_uri`). */
  private callbackUri(path: string): string {
    return `${this.source.callbackBase.replace(/\/$/, '')}${path}`;
  }

  /**
   * An async request: sent, ACKed, then answered on our receiver at `callbackPath`, where `onCallback`
   * settles it; a partner that does not answer within `timeoutMs` of its ACK fails it.
   */
  private async awaitCallback<T>(
    request: { path: string; action: RequestAction; callbackPath: string; items: Record<string, unknown>; count: number; timeoutMs: number },
    texts: { refused: string; late: string },
    onCallback: (callback: ReceivedCallback, settle: Settle<T>) => void,
  ): Promise<T> {
    const transactionId = randomUUID();
    const message = { transaction_id: transactionId, ...request.items };
    const senderUri = this.callbackUri(request.callbackPath);
    let settle!: Settle<T>;
    const answered = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
    answered.catch(() => undefined); // observed below; a send failure must not leave it unhandled
    // Registered before sending: a fast partner may call back before its ACK reaches us.
    const stop = this.deps.hub.awaitTransaction(transactionId, (callback) => onCallback(callback, settle));
    let timer: NodeJS.Timeout | undefined;
    try {
      return await this.logged(request.path, transactionId, request.count, async (note) => {
        const answer = await this.transport.post(request.path, () =>
          signedRequest(this.source, this.deps.signer, { path: request.path, action: request.action, message, totalCount: request.count, senderUri }),
        );
        const ack = acknowledgement(this.source, request.path, answer.text);
        note({ correlationId: ack.correlation_id, attempts: answer.attempts });
        if (ack.ack_status !== 'ACK') throw unavailable(this.source.name, `ACK_${ack.ack_status}`, texts.refused, { partnerCode: ack.error?.code });
        timer = setTimeout(() => settle.reject(unavailable(this.source.name, 'CALLBACK_TIMEOUT', texts.late)), request.timeoutMs);
        return await answered;
      });
    } finally {
      clearTimeout(timer);
      stop();
    }
  }

  /** Keeps the final answer of each item of the batch; pages and duplicates of an answered item are ignored. */
  private collect(callback: ReceivedCallback, batch: Prepared[], results: Map<string, SearchResponseItem>, settle: { resolve: () => void; reject: (error: Error) => void }): void {
    // The hub is keyed by transaction id only: another partner must not be able to answer for this one.
    if (callback.senderId !== this.source.receiverId) {
      this.deps.log.warn({ dataSource: this.source.name, senderId: callback.senderId }, 'callback for a data source transaction from another sender ignored');
      return;
    }
    try {
      const valid = operationValidator(this.source, ON_SEARCH_PATH, 'request')({ header: callback.header, message: callback.message });
      if (!valid.ok) throw unavailable(this.source.name, 'INVALID_RESPONSE', `the callback does not match the ${this.source.kind} ${ON_SEARCH_PATH} schema`, { schemaErrors: valid.errors.slice(0, 5) });
      const header = callback.header as ReceivedEnvelope['header'];
      const transactionId = String((callback.message as SearchResponse | undefined)?.transaction_id ?? '');
      for (const item of this.searchResponses(header, callback.message as SearchResponse | undefined, transactionId)) {
        if (FINAL.has(item.status) && !results.has(item.reference_id)) results.set(item.reference_id, item);
      }
      if (batch.every((item) => results.has(item.reference_id))) settle.resolve();
    } catch (error) {
      settle.reject(error as Error);
    }
  }

  /** Signs, sends with retries, and verifies the sync reply. */
  private async exchange<M>(path: string, action: RequestAction, message: Record<string, unknown>, totalCount: number): Promise<ReceivedEnvelope<M> & { delivered: Delivered }> {
    const delivered = await this.transport.post(path, () => signedRequest(this.source, this.deps.signer, { path, action, message, totalCount }));
    const reply = await verifiedReply<M>(this.source, path, delivered, this.responseKeys, this.deps.signer);
    return { ...reply, delivered };
  }

  private searchResponses(header: ReceivedEnvelope['header'], message: SearchResponse | undefined, transactionId: string): SearchResponseItem[] {
    // Some registries mark the reply rjct when they rejected every item: each item then says why, which
    // is the answer for its person, not a refusal of the envelope.
    const items = message?.transaction_id === transactionId ? message.search_response : undefined;
    if (!(header.status === 'rjct' && items?.length && items.every((item) => item.status === 'rjct'))) this.refuseRejection(header);
    if (!items) throw unavailable(this.source.name, 'INVALID_RESPONSE', 'the reply does not answer our transaction');
    return items;
  }

  /** A message-level `rjct` means the partner refused our envelope itself (version, timestamp, size…). */
  private refuseRejection(header: ReceivedEnvelope['header']): void {
    if (header.status === 'rjct') throw unavailable(this.source.name, 'REJECTED', 'the registry rejected the request', { partnerCode: header.status_reason_code });
  }

  /** Reference ids and timestamps filled in, quirks applied, cut into envelopes of at most maxItemsPerEnvelope. */
  private batches(items: SearchItem[]): Prepared[][] {
    if (items.length === 0) throw new GatewayError('BAD_USER_INPUT', 'a search needs at least one item', { field: 'items' });
    const now = new Date(this.now());
    const prepared = items.map((item) => applyQuirks({ ...item, reference_id: item.reference_id ?? randomUUID(), timestamp: now.toISOString() }, this.source.quirks, now) as Prepared);
    const references = new Set(prepared.map((item) => item.reference_id));
    if (references.size !== prepared.length) throw new GatewayError('BAD_USER_INPUT', 'reference_id must be unique within a search', { field: 'reference_id' });
    const size = this.source.maxItemsPerEnvelope;
    return Array.from({ length: Math.ceil(prepared.length / size) }, (_, i) => prepared.slice(i * size, (i + 1) * size));
  }

  /** Runs one operation and logs its outcome: data source, operation, ids, item count, duration, never content. */
  private async logged<T>(operation: string, transactionId: string, items: number, work: (note: (fields: Record<string, unknown>) => void) => Promise<T>): Promise<T> {
    const started = this.now();
    const fields: Record<string, unknown> = { dataSource: this.source.name, operation, transactionId, items };
    try {
      const result = await work((extra) => Object.assign(fields, extra));
      const durationMs = this.now() - started;
      this.deps.log.info({ ...fields, outcome: 'ok', durationMs }, 'data source call');
      this.deps.observer?.({ dataSource: this.source.name, operation, outcome: 'ok', durationMs });
      return result;
    } catch (error) {
      const outcome = error instanceof GatewayError ? error.code : 'INTERNAL_SERVER_ERROR';
      const reason = error instanceof GatewayError && typeof error.details.reason === 'string' ? error.details.reason : undefined;
      const durationMs = this.now() - started;
      this.deps.log.warn({ ...fields, outcome, reason, durationMs }, 'data source call failed');
      this.deps.observer?.({ dataSource: this.source.name, operation, outcome, reason, durationMs });
      throw error;
    }
  }
}
