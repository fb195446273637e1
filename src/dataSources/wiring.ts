/**
 * The data-source side of the gateway: the secret box and default sender id attached to the
 * connection (for administration), and one DciClient per active data source, built on first use and
 * rebuilt when the data source changes, so its token cache, rate budget and circuit breaker persist
 * across calls.
 */
import type mongoose from 'mongoose';
import { GatewayError } from '../errors';
import type { Logger } from '../log';
import type { CallbackHub } from '../../adapters/dci/server/callbackHub';
import { DataSourceCallObserver, DciClient, DciClientDeps } from '../../adapters/dci/client/client';
import type { CircuitState } from '../../adapters/dci/client/circuitBreaker';
import type { Signer } from '../../adapters/dci/client/envelopes';
import { SecretBox } from './secretBox';
import { clientConfig, DataSourceModels, findDataSource, unknownDataSource } from './service';
import { attachSettings } from './settings';

export interface DataSourceCircuit {
  dataSource: string;
  state: CircuitState;
}

export interface DataSourceClients {
  /** The client of an active data source; NOT_FOUND when unknown, UNAVAILABLE when disabled. */
  client(name: string): Promise<DciClient>;
  /** The circuit breaker of each data source this instance has called since it started (each instance has its own). */
  circuits(): DataSourceCircuit[];
}

export function wireDataSources(opts: {
  config: { dataDir: string; dciSenderId: string };
  connection: mongoose.Connection;
  models: DataSourceModels;
  dci: { keys: Signer; hub: CallbackHub };
  log: Logger;
  /** Told about every call of every client (metrics). */
  observer?: DataSourceCallObserver;
  /** Test seams and tuning: retries, breaker, clock. */
  clientOptions?: Partial<Omit<DciClientDeps, 'signer' | 'hub' | 'log' | 'observer'>>;
}): DataSourceClients {
  const settings = { box: SecretBox.open(opts.config.dataDir), defaultSenderId: opts.config.dciSenderId };
  attachSettings(opts.connection, settings);
  const clients = new Map<string, { version: number; client: DciClient }>();

  return {
    async client(name) {
      const doc = await findDataSource(opts.models, name);
      if (!doc) throw unknownDataSource(name);
      if (doc.status !== 'active') throw new GatewayError('UNAVAILABLE', `data source ${name} is disabled`, { dataSource: name, reason: 'DISABLED' });
      const version = doc.updatedAt.getTime();
      const cached = clients.get(name);
      if (cached?.version === version) return cached.client;
      const client = new DciClient(clientConfig(doc, settings), { ...opts.clientOptions, signer: opts.dci.keys, hub: opts.dci.hub, log: opts.log, observer: opts.observer });
      clients.set(name, { version, client });
      return client;
    },
    circuits: () => [...clients].map(([dataSource, { client }]) => ({ dataSource, state: client.breaker.state() })),
  };
}
