/**
 * The load loop (worker thread, started by support.ts `load`): `concurrency` clients each send the
 * request again as soon as the previous answer is read, until `durationMs` is over; each sends at
 * least once, since one answer can take longer than a round. Node's fetch keeps connections alive,
 * so each client holds one connection. A signed DCI search is signed afresh for every request (a
 * new message id each time), here, as the partner would on its own machine: neither that nor the
 * client's reading of answers runs on the gateway's thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KeyRing } from '../adapters/dci/protocol';
import { LoadOptions, LoadRequest, LoadRun, SignedSearch, signedSearchRequest } from './support';

/** What each client sends next, and whether an answer counts. */
interface Load {
  next(): Promise<RequestInit & { url: string }>;
  accepted(status: number, body: string): boolean;
}

function replayed(request: LoadRequest): Load {
  const sendable = { url: request.url, method: request.method, headers: request.headers, body: request.body };
  return { next: async () => sendable, accepted: (status, body) => status === 200 && body === request.expectBody };
}

async function signedSearches(search: SignedSearch): Promise<Load> {
  const key = (await KeyRing.open(search.keyDir)).activeKey();
  return {
    next: () => signedSearchRequest(search, key, [search.criteria]),
    // A refusal is fast: only answers whose every item succeeded may count.
    accepted(status, body) {
      const items = (JSON.parse(body) as { message?: { search_response?: { status: string }[] } }).message?.search_response;
      return status === 200 && items !== undefined && items.every((item) => item.status === 'succ');
    },
  };
}

async function main({ request, durationMs, concurrency }: LoadOptions & { request: LoadRequest | SignedSearch }): Promise<LoadRun> {
  const work = 'expectBody' in request ? replayed(request) : await signedSearches(request);
  const latenciesMs: number[] = [];
  const started = performance.now();
  const deadline = started + durationMs;
  const client = async () => {
    do {
      const { url, ...init } = await work.next();
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
