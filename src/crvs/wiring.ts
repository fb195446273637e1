/**
 * Start-up wiring of the CRVS flows: the durable import job on the DCI job queue, the `notify`
 * listener on the CallbackHub, and what GraphQL resolvers need beyond the models (attached to the
 * connection, as the data-source settings are).
 */
import type mongoose from 'mongoose';
import { Types } from 'mongoose';
import type { DataSourceClients } from '../dataSources/wiring';
import { GatewayError } from '../errors';
import { JobQueue, PermanentJobError } from '../jobs/queue';
import type { Logger } from '../log';
import type { RegistryModels } from '../store/models';
import type { CallbackHub } from '../../adapters/dci/server/callbackHub';
import { ImportInterrupted, markImport, runImport } from './imports';
import { crvsNotifyListener } from './notify';

export const CRVS_IMPORT_JOB = 'crvs.import';
const MAX_ATTEMPTS = 20;

export interface CrvsRuntime {
  jobs: JobQueue;
}

const byConnection = new WeakMap<mongoose.Connection, CrvsRuntime>();

export function crvsRuntimeOf(connection: mongoose.Connection): CrvsRuntime {
  const runtime = byConnection.get(connection);
  if (!runtime) throw new GatewayError('INTERNAL_SERVER_ERROR', 'the CRVS flows are not wired on this gateway');
  return runtime;
}

export function wireCrvs(opts: { connection: mongoose.Connection; models: RegistryModels; dataSources: DataSourceClients; dci: { jobs: JobQueue; hub: CallbackHub }; log: Logger }): { stop(): void } {
  const { models, dataSources, log } = opts;
  let stopping = false;
  byConnection.set(opts.connection, { jobs: opts.dci.jobs });

  opts.dci.jobs.define<{ importId: string }>(
    CRVS_IMPORT_JOB,
    async ({ importId }, job) => {
      const id = new Types.ObjectId(importId);
      try {
        const doc = await models.CrvsImport.findById(id, { dataSource: 1 }).lean();
        if (!doc) throw new PermanentJobError('the import no longer exists');
        const done = await runImport({ models, client: await dataSources.client(doc.dataSource), stopping: () => stopping }, id);
        job.log.info({ importId, pagesDone: done.pagesDone }, 'CRVS import done');
      } catch (error) {
        if (error instanceof PermanentJobError) throw error;
        // A refused request will be refused again; anything else (registry down, a stop) is retried.
        const retryable = error instanceof ImportInterrupted || !(error instanceof GatewayError) || error.code === 'UNAVAILABLE' || error.code === 'RATE_LIMITED';
        const final = !retryable || job.attempt >= MAX_ATTEMPTS;
        await markImport(models, id, final ? 'failed' : 'pending', (error as Error).message, new Date());
        throw final ? new PermanentJobError((error as Error).message) : error;
      }
    },
    { maxAttempts: MAX_ATTEMPTS, backoff: { baseMs: 1000, maxMs: 60_000, jitter: true } },
  );
  const unlisten = opts.dci.hub.onAction('notify', crvsNotifyListener(models, log));

  return {
    /** Running imports stop at their next batch and resume when the gateway starts again. */
    stop() {
      stopping = true;
      unlisten();
    },
  };
}
