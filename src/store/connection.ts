/**
 * One mongoose connection per gateway process: to MONGODB_URI, or to the embedded engine started here.
 */
import mongoose from 'mongoose';
import { claimDataDir, DataDirInUseError, DataDirLock, runningEngineUri } from './dataDirLock';
import { EmbeddedEngine, EngineName, engineFromEnv, startEmbeddedEngine } from './engine';
import { DatabaseLiveness } from './liveness';
import { watchPool } from './poolWatch';
import type { Logger } from '../log';

export interface Store {
  connection: mongoose.Connection;
  /** The embedded engine this process started; undefined with MONGODB_URI or another process's engine. */
  engine: EmbeddedEngine | undefined;
  /** Publishes the serving gateway's URL beside the engine's address in DATA_DIR's lock. */
  announce(url: string): void;
  /** Whether the database answers at all: readyz and every request's deadline ask it. */
  liveness: DatabaseLiveness;
  /** Database commands sent so far by this process (round trips), for tests and benchmarks. */
  commandCount(): number;
  /** True when the database answers a ping in time (and the embedded engine, if any, is running). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

export interface StoreOptions {
  mongodbUri?: string;
  dataDir: string;
  log: Logger;
  /** Default: EMBEDDED_ENGINE. */
  engine?: EngineName;
  /**
   * `serve` must own DATA_DIR's engine and is refused when another process holds it; any other
   * command (the default) uses the engine of the process holding it, or starts one if none does.
   */
  command?: string;
}

/** The embedded engine for DATA_DIR: started here under its lock, or the one already running there. */
async function embeddedEngine(opts: StoreOptions): Promise<{ uri: string; engine?: EmbeddedEngine; lock?: DataDirLock }> {
  const command = opts.command ?? 'command';
  const engineName = opts.engine ?? engineFromEnv();
  const claim = claimDataDir(opts.dataDir, { command, engine: engineName });
  if ('heldBy' in claim) {
    if (command === 'serve') throw new DataDirInUseError(opts.dataDir, claim.heldBy);
    opts.log.info({ pid: claim.heldBy.pid, holder: claim.heldBy.command }, 'using the embedded engine of the process holding DATA_DIR');
    return { uri: await runningEngineUri(opts.dataDir, claim.heldBy) };
  }
  try {
    const engine = await startEmbeddedEngine(opts.dataDir, opts.log, { engine: engineName });
    claim.lock.update({ uri: engine.uri, enginePid: engine.pid });
    return { uri: engine.uri, engine, lock: claim.lock };
  } catch (error) {
    claim.lock.release();
    throw error;
  }
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  const { uri, engine, lock }: { uri: string; engine?: EmbeddedEngine; lock?: DataDirLock } = opts.mongodbUri
    ? { uri: opts.mongodbUri }
    : await embeddedEngine(opts);
  mongoose.set('strictQuery', true);
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000, autoIndex: false });
  let liveness: DatabaseLiveness;
  try {
    await connection.asPromise();
    liveness = await DatabaseLiveness.open(uri);
  } catch (error) {
    await connection.close().catch(() => undefined);
    await engine?.stop();
    lock?.release();
    throw opts.mongodbUri ? new MongoUnreachableError(opts.mongodbUri, error) : error;
  }
  // A busy engine answers the ping late but goes on answering the gateway's own commands.
  const pool = watchPool(connection.getClient(), (sentAt) => liveness.noteProgress(sentAt));
  return {
    connection,
    engine,
    announce: (url) => lock?.update({ url }),
    liveness,
    commandCount: () => pool.commands(),
    async ready() {
      if (engine && !engine.alive()) return false;
      return liveness.answering();
    },
    async close() {
      await liveness.close();
      await connection.close().catch(() => undefined);
      await engine?.stop();
      lock?.release();
    },
  };
}

/** MONGODB_URI is set but nothing answers there: said in words an operator can act on. */
export class MongoUnreachableError extends Error {
  constructor(uri: string, cause: unknown) {
    const reason = (cause as Error).message || String(cause);
    super(
      `Cannot connect to MongoDB at MONGODB_URI (${withoutCredentials(uri)}): ${reason}. ` +
        'Check that MongoDB is running and reachable from here, or unset MONGODB_URI to use the embedded engine.',
      { cause },
    );
    this.name = 'MongoUnreachableError';
  }
}

const withoutCredentials = (uri: string) => uri.replace(/\/\/[^@/]*@/, '//***@');
