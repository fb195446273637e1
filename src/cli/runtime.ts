/** What every command needs first: validated configuration, a logger, and for most a database. */
import { InvalidArgumentError } from 'commander';
import { cliActor, recordChange, type Change } from '../audit/configChanges';
import pino from 'pino';
import { ConfigError, loadConfig, Config } from '../config';
import { GatewayError } from '../errors';
import type { DataSourceClients } from '../dataSources/wiring';
import { createLogger, Logger } from '../log';
import { MongoUnreachableError, openStore, Store } from '../store/connection';
import { DataDirInUseError } from '../store/dataDirLock';
import { EngineMissingError } from '../store/engine';
import { registryModels, RegistryModels, syncIndexes } from '../store/models';

export function loadRuntime(): { config: Config; log: Logger } {
  try {
    const config = loadConfig();
    return { config, log: createLogger(config.logLevel) };
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

export interface StoreSession {
  config: Config;
  log: Logger;
  store: Store;
  models: RegistryModels;
}

/**
 * Opens the database (MONGODB_URI or the embedded engine in DATA_DIR), runs `work`, and always
 * closes it again, which also stops the embedded engine. Logs go to stderr: stdout carries the
 * command's JSON result.
 */
export async function withStore<T>(work: (session: StoreSession) => Promise<T>): Promise<T> {
  const { config } = loadRuntime();
  const log: Logger = pino({ level: config.logLevel, base: { service: 'dci-gateway' } }, pino.destination(2));
  let store: Store;
  try {
    // The command's name only labels the DATA_DIR lock, for a `serve` refused while this runs.
    store = await openStore({ mongodbUri: config.mongodbUri, dataDir: config.dataDir, engine: config.embeddedEngine, command: process.argv[2] ?? 'command', log });
  } catch (error) {
    if (error instanceof EngineMissingError || error instanceof DataDirInUseError || error instanceof MongoUnreachableError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  try {
    await syncIndexes(store.connection);
    return await work({ config, log, store, models: registryModels(store.connection) });
  } finally {
    await store.close();
  }
}

/** Like withStore, for a change to a partner or a data source: recorded in the configuration audit as made by the CLI's user. */
export function withRecordedChange<T>(change: Change, work: (session: StoreSession) => Promise<T>): Promise<T> {
  return withStore((session) => recordChange(session, cliActor(), change, () => work(session)));
}

/**
 * The clients of the partner registries, for the commands that call them (imports, indicator
 * refreshes, eligibility). Loaded on use: every other command starts without the DCI client code.
 */
export async function partnerDataSources({ config, store, models, log }: StoreSession): Promise<DataSourceClients> {
  const [{ wireDataSources }, { KeyRing }, { CallbackHub }] = await Promise.all([
    import('../dataSources/wiring'),
    import('../../adapters/dci/protocol'),
    import('../../adapters/dci/server/callbackHub'),
  ]);
  return wireDataSources({ config, connection: store.connection, models, dci: { keys: await KeyRing.open(config.dataDir), hub: new CallbackHub() }, log });
}

export const printJson = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

export function positiveInteger(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer.');
  return n;
}

/** A command's options refused: printed as one line with its code, as the services' refusals are. */
export const badOption = (message: string) => new GatewayError('BAD_USER_INPUT', message);

/** Secrets come from environment variables, so they stay out of shell history and process lists. */
export function secretFromEnv(variable: string | undefined, option: string): string | undefined {
  if (!variable) return undefined;
  const value = process.env[variable];
  if (!value) throw badOption(`${option}: environment variable ${variable} is not set`);
  return value;
}
