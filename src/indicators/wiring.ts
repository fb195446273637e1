/**
 * Start-up wiring of the indicators: their jobs on the gateway's durable queue (refresh runs, and
 * the background revalidation of stale values served to readers), the outbox scan that makes values
 * stale when the registry changes, and what GraphQL resolvers need beyond the models (attached to
 * the connection, as the CRVS flows do).
 */
import { createHash } from 'node:crypto';
import type mongoose from 'mongoose';
import { Types } from 'mongoose';
import type { DataSourceClients } from '../dataSources/wiring';
import { GatewayError } from '../errors';
import { JobQueue, PermanentJobError } from '../jobs/queue';
import type { Logger } from '../log';
import type { RegistryModels } from '../store/models';
import { deleteOlderThan, Pruning, startPruning } from '../store/retention';
import { scanOutbox } from './invalidation';
import { parseIndicator } from './refs';
import { failRefresh, REFRESH_JOB, RefreshInterrupted, runRefresh } from './refresh';
import { ensureIndicatorValues } from './values';

const REVALIDATE_JOB = 'indicators.revalidate';
const REFRESH_ATTEMPTS = 20;
const OUTBOX_SCAN_MS = 500;

export interface IndicatorRuntime {
  /** Starts a refresh run in the background. */
  startRefresh(id: Types.ObjectId): Promise<void>;
  /** Recomputes these stale values in the background, once per people and indicators and minute. */
  revalidate(individualIds: readonly string[], indicators: readonly string[]): Promise<void>;
}

const byConnection = new WeakMap<mongoose.Connection, IndicatorRuntime>();

export function indicatorRuntimeOf(connection: mongoose.Connection): IndicatorRuntime {
  const runtime = byConnection.get(connection);
  if (!runtime) throw new GatewayError('INTERNAL_SERVER_ERROR', 'the indicators are not wired on this gateway');
  return runtime;
}

export interface IndicatorSide {
  start(): void;
  stop(): Promise<void>;
}

export function wireIndicators(opts: {
  connection: mongoose.Connection;
  models: RegistryModels;
  dataSources: DataSourceClients;
  jobs: JobQueue;
  /** How long the fetch audit keeps a record. */
  fetchRetentionDays: number;
  log: Logger;
}): IndicatorSide {
  const { models, jobs, log } = opts;
  const deps = { models, dataSources: opts.dataSources, log };
  let stopping = false;

  jobs.define<{ refreshId: string }>(
    REFRESH_JOB,
    async ({ refreshId }, job) => {
      const id = new Types.ObjectId(refreshId);
      try {
        const run = await runRefresh(deps, id, { stopping: () => stopping });
        job.log.info({ refreshId, done: run.done, failed: run.failed }, 'indicator refresh done');
      } catch (error) {
        // A stop resumes on the next start; a registry or database failure is retried from the last finished batch.
        if (error instanceof RefreshInterrupted || !job.final) throw error;
        await failRefresh(models, id, (error as Error).message);
        throw new PermanentJobError((error as Error).message);
      }
    },
    { maxAttempts: REFRESH_ATTEMPTS, backoff: { baseMs: 1000, maxMs: 60_000, jitter: true } },
  );
  jobs.define<{ individualIds: string[]; indicators: string[] }>(
    REVALIDATE_JOB,
    async ({ individualIds, indicators }) => {
      await ensureIndicatorValues(deps, indicators.map((text) => parseIndicator(text)), individualIds);
    },
    { maxAttempts: 3 },
  );

  byConnection.set(opts.connection, {
    async startRefresh(id) {
      await jobs.enqueue(REFRESH_JOB, { refreshId: `${id}` }, { key: `indicators.refresh:${id}` });
      jobs.kick();
    },
    async revalidate(individualIds, indicators) {
      const ids = [...individualIds].sort();
      const labels = [...indicators].sort();
      const digest = createHash('sha256').update(JSON.stringify([ids, labels])).digest('hex').slice(0, 32);
      const minute = Math.floor(Date.now() / 60_000);
      await jobs.enqueue(REVALIDATE_JOB, { individualIds: ids, indicators: labels }, { key: `indicators.revalidate:${digest}:${minute}` });
      jobs.kick();
    },
  });

  let timer: NodeJS.Timeout | undefined;
  let scan: Promise<unknown> = Promise.resolve();
  // Timed from the end of the last scan; at once again after a scan that found events (there may be more).
  const scanLater = (delayMs: number) => {
    timer = setTimeout(() => {
      scan = scanOutbox(models)
        .catch((error: unknown) => {
          log.error({ err: (error as Error).message }, 'indicator outbox scan failed');
          return 0;
        })
        .then((read) => {
          if (!stopping) scanLater(read > 0 ? 0 : OUTBOX_SCAN_MS);
        });
    }, delayMs);
  };

  let pruning: Pruning | undefined;
  return {
    start() {
      stopping = false;
      scanLater(0);
      pruning = startPruning('indicator fetch audit records', (now) => deleteOlderThan(models.IndicatorFetch, 'at', now, opts.fetchRetentionDays), log);
    },
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await Promise.all([scan, pruning?.stop()]);
    },
  };
}
