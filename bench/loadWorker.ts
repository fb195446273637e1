/**
 * The load loop (worker thread, started by support.ts `load`): `concurrency` clients each send the
 * request again as soon as the previous answer is read, until `durationMs` is over; each sends at
 * least once, since one answer can take longer than a round. Node's fetch keeps connections alive,
 * so each client holds one connection.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LoadOptions, LoadRequest, LoadRun } from './support';

async function main({ request, durationMs, concurrency }: LoadOptions & { request: LoadRequest }): Promise<LoadRun> {
  const latenciesMs: number[] = [];
  const started = performance.now();
  const deadline = started + durationMs;
  const client = async () => {
    do {
      const t0 = performance.now();
      const res = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
      const body = await res.text();
      latenciesMs.push(performance.now() - t0);
      // Every timed answer is checked, so a fast error page can never pass for throughput.
      if (res.status !== 200 || body !== request.expectBody) throw new Error(`unexpected answer: HTTP ${res.status}, ${body.slice(0, 200)}`);
    } while (performance.now() < deadline);
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return { seconds: (performance.now() - started) / 1000, latenciesMs };
}

main(workerData).then(
  (result) => parentPort!.postMessage(result),
  (error: Error) => parentPort!.postMessage({ error: error.message }),
);
