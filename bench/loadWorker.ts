/**
 * The load loop (worker thread, started by support.ts `load`): `concurrency` clients each send the
 * request again as soon as the previous answer is read, until `durationMs` is over; each sends at
 * least once, since one answer can take longer than a round. Node's fetch keeps connections alive,
 * so each client holds one connection. A signed DCI search is signed afresh for every request (a
 * new message id each time), here, as the partner would on its own machine: neither that nor the
 * client's reading of answers runs on the gateway's thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KeyRing, newHeader, signingProfile } from '../adapters/dci/protocol';
import type { LoadOptions, LoadRequest, LoadRun, SignedSearch } from './support';

interface Sendable {
  url: string;
  init: RequestInit;
}

/** What each client sends next, and whether an answer counts. */
interface Load {
  next(): Promise<Sendable>;
  accepted(status: number, body: string): boolean;
}

function replayed(request: LoadRequest): Load {
  const sendable = { url: request.url, init: { method: request.method, headers: request.headers, body: request.body } };
  return { next: async () => sendable, accepted: (status, body) => status === 200 && body === request.expectBody };
}

async function signedSearches(search: SignedSearch): Promise<Load> {
  const key = (await KeyRing.open(search.keyDir)).activeKey();
  let n = 0;
  return {
    async next() {
      n += 1;
      const message = { transaction_id: `load-${n}`, search_request: [{ reference_id: 'r1', timestamp: new Date().toISOString(), search_criteria: search.criteria }] };
      const signed = await signingProfile('default').sign({ header: newHeader({ senderId: search.senderId, action: 'search', totalCount: 1 }), message }, key);
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${search.token}`, ...signed.headers };
      return { url: search.url, init: { method: 'POST', headers, body: signed.rawBody } };
    },
    // A refusal is fast: only answers whose every item succeeded may count.
    accepted(status, body) {
      const items = (JSON.parse(body) as { message?: { search_response?: { status: string }[] } }).message?.search_response;
      return status === 200 && items !== undefined && items.every((item) => item.status === 'succ');
    },
  };
}

async function main({ request, search, durationMs, concurrency }: LoadOptions & { request?: LoadRequest; search?: SignedSearch }): Promise<LoadRun> {
  const work = search ? await signedSearches(search) : replayed(request!);
  const latenciesMs: number[] = [];
  const started = performance.now();
  const deadline = started + durationMs;
  const client = async () => {
    do {
      const { url, init } = await work.next();
      const t0 = performance.now();
      const res = await fetch(url, init);
      const body = await res.text();
      latenciesMs.push(performance.now() - t0);
      // Every timed answer is checked, so a fast error page can never pass for throughput.
      if (!work.accepted(res.status, body)) throw new Error(`unexpected answer: HTTP ${res.status}, ${body.slice(0, 200)}`);
    } while (performance.now() < deadline);
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return { seconds: (performance.now() - started) / 1000, latenciesMs };
}

main(workerData).then(
  (result) => parentPort!.postMessage(result),
  (error: Error) => parentPort!.postMessage({ error: error.message }),
);
