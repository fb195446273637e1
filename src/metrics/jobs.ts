/**
 * The job queue by kind and state, read from the database on each scrape. A scrape must answer even
 * when the database does not: the read has a deadline, and without an answer the job gauge is left
 * out and `dci_gateway_database_up` says 0. The deadline only stops the waiting, not the count: until
 * that count settles, scrapes wait on it again instead of starting another, so slow counts cannot
 * pile up on a struggling database.
 */
import { Gauge, Registry } from 'prom-client';
import type { JobCount } from '../jobs/queue';
import type { Logger } from '../log';

export interface JobCounts {
  counts(): Promise<JobCount[]>;
}

/** Well under a scraper's usual 10 s timeout; the embedded engine took about 2 s to group 20,000 jobs. */
const JOB_COUNT_DEADLINE_MS = 3000;

function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export function jobMetrics(registry: Registry, queue: JobCounts, log: Logger): void {
  let counting: Promise<JobCount[]> | undefined;
  // Both gauges are collected at once by a scrape; they share one read.
  let reading: Promise<JobCount[] | undefined> | undefined;
  const read = () =>
    (reading ??= within((counting ??= queue.counts().finally(() => (counting = undefined))), JOB_COUNT_DEADLINE_MS)
      .catch((error: unknown) => {
        log.warn({ err: (error as Error).message }, 'job counts unavailable for metrics');
        return undefined;
      })
      .finally(() => {
        reading = undefined;
      }));

  new Gauge({
    name: 'dci_gateway_jobs',
    help: 'Durable jobs by kind and state',
    labelNames: ['kind', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { kind, state, count } of (await read()) ?? []) this.set({ kind, state }, count);
    },
  });
  new Gauge({
    name: 'dci_gateway_database_up',
    help: '1 when the database answered this scrape (the job counts), 0 when it did not',
    registers: [registry],
    async collect() {
      this.set((await read()) ? 1 : 0);
    },
  });
}
