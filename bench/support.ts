/** Shared bench helpers: HTTP load in a worker thread, latency percentiles, markdown tables. */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { KeyRing, newHeader, signingProfile } from '../adapters/dci/protocol';
import type { RegistryName, Sandbox } from '../adapters/dci/sandbox';

/** One HTTP request, replayed as is; every answer must be status 200 with exactly `expectBody`. */
export interface LoadRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  expectBody: string;
}

/** Where and as whom a registered partner sends DCI sync searches. */
export interface SearchingPartner {
  url: string;
  token: string;
  /** The partner's key directory (KeyRing) and sender id. */
  keyDir: string;
  senderId: string;
}

/** A DCI sync/search by a registered partner, signed afresh for each request by the load worker. */
export interface SignedSearch extends SearchingPartner {
  criteria: Record<string, unknown>;
}

/** The partner's sync/search with one item per criteria, signed with `key`, under a new message id. */
export async function signedSearchRequest(partner: SearchingPartner, key: ReturnType<KeyRing['activeKey']>, criteria: Record<string, unknown>[]): Promise<RequestInit & { url: string }> {
  const timestamp = new Date().toISOString();
  const items = criteria.map((c, i) => ({ reference_id: `r${i + 1}`, timestamp, search_criteria: c }));
  const message = { transaction_id: `bench-${Date.now()}`, search_request: items };
  const header = newHeader({ senderId: partner.senderId, action: 'search', totalCount: items.length });
  const signed = await signingProfile('default').sign({ header, message }, key);
  return {
    url: partner.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${partner.token}`, ...signed.headers },
    body: signed.rawBody,
  };
}

export interface LoadOptions {
  durationMs: number;
  concurrency: number;
}

export interface LoadRun {
  seconds: number;
  latenciesMs: number[];
}

/**
 * Runs the load loop in a worker thread: the client gets its own event loop, so its work does not
 * queue behind the server's callbacks in this process and skew the latencies.
 */
export function load(request: LoadRequest | SignedSearch, opts: LoadOptions): Promise<LoadRun> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'loadWorker.js'), { workerData: { request, ...opts } });
    worker.once('message', (result: LoadRun | { error: string }) => {
      if ('error' in result) reject(new Error(`${request.url}: ${result.error}`));
      else resolve(result);
    });
    worker.once('error', reject);
  });
}

export interface LoadSummary {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
}

/** Combines several runs of the same request (alternated rounds) into one figure. */
export function summarize(runs: LoadRun[]): LoadSummary {
  const latencies = runs.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  const seconds = runs.reduce((sum, r) => sum + r.seconds, 0);
  return { requests: latencies.length, rps: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) throw new Error('no samples');
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export const fixed = (n: number, digits = 1) => n.toFixed(digits);

/** Milliseconds of each of `n` requests sent one after another; every answer must be 200 without GraphQL errors. */
export async function sequentialMs(n: number, prepare: () => Promise<RequestInit & { url: string }>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const { url, ...init } = await prepare();
    const t0 = performance.now();
    const res = await fetch(url, init);
    const body = await res.text();
    out.push(performance.now() - t0);
    if (res.status !== 200 || body.includes('"errors"')) throw new Error(`${url}: HTTP ${res.status} ${body.slice(0, 300)}`);
  }
  return out.sort((a, b) => a - b);
}

/** One sandbox registry as a data source of the bench gateway, onboarded as an operator would. */
export function sandboxDataSource(sandbox: Sandbox, kind: RegistryName, name: string, gatewayUrl: string, maxItemsPerEnvelope: number) {
  const registry = sandbox.registries[kind];
  return {
    name,
    kind,
    baseUrl: registry.baseUrl,
    auth: { type: 'oauth2', tokenUrl: sandbox.oauth.tokenUrl, clientId: sandbox.oauth.clientId, clientSecret: sandbox.oauth.clientSecret },
    callbackBase: `${gatewayUrl}/dci`,
    receiverId: registry.senderId,
    jwksUrl: registry.jwksUrl,
    maxItemsPerEnvelope,
  };
}
