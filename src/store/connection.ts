/**
 * One mongoose connection per gateway process: to MONGODB_URI, or to the embedded engine started here.
 */
import mongoose from 'mongoose';
import { startEmbeddedEngine, EmbeddedEngine } from './engine';
import type { Logger } from '../log';

export interface Store {
  connection: mongoose.Connection;
  engine: EmbeddedEngine | undefined;
  /** Database commands sent so far by this process (round trips), for tests and benchmarks. */
  commandCount(): number;
  /** True when the database answers a ping (and the embedded engine, if any, is running). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

export async function openStore(opts: { mongodbUri?: string; dataDir: string; log: Logger }): Promise<Store> {
  const engine = opts.mongodbUri ? undefined : await startEmbeddedEngine(opts.dataDir, opts.log);
  const uri = opts.mongodbUri ?? engine!.uri;
  mongoose.set('strictQuery', true);
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000, autoIndex: false, monitorCommands: true });
  let commands = 0;
  try {
    await connection.asPromise();
  } catch (error) {
    await engine?.stop();
    throw error;
  }
  connection.getClient().on('commandStarted', () => {
    commands += 1;
  });
  return {
    connection,
    engine,
    commandCount: () => commands,
    async ready() {
      if (engine && !engine.alive()) return false;
      try {
        await connection.db!.admin().ping();
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await connection.close().catch(() => undefined);
      await engine?.stop();
    },
  };
}
