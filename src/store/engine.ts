/**
 * The embedded engine: a MongoDB-wire server run as a child process on a loopback port with its data
 * under DATA_DIR, used when MONGODB_URI is unset, and by the tests. Two engines, chosen with
 * EMBEDDED_ENGINE: mongo-java-server on an H2 store (the default; src/store/javaEngine.ts) and
 * FerretDB 1.24 on SQLite (src/store/ferretdb.ts), kept so the code stays in the subset both share.
 */
import { ChildProcess, spawn } from 'node:child_process';
import type { Logger } from '../log';
import { ferretdbLaunch } from './ferretdb';
import { javaEngineLaunch } from './javaEngine';

export const ENGINES = ['mongo-java-server', 'ferretdb'] as const;
export type EngineName = (typeof ENGINES)[number];

/** EMBEDDED_ENGINE, validated by src/config.ts; read here too so tests choose the engine the same way. */
export function engineFromEnv(env: NodeJS.ProcessEnv = process.env): EngineName {
  const name = env.EMBEDDED_ENGINE?.trim() || 'mongo-java-server';
  return (ENGINES as readonly string[]).includes(name) ? (name as EngineName) : 'mongo-java-server';
}

export class EngineMissingError extends Error {
  constructor(what: string) {
    super(
      `No MongoDB to use: MONGODB_URI is not set and ${what} ` +
        'Or set MONGODB_URI to a MongoDB 6+ server (for example mongodb://localhost:27017/dci).',
    );
    this.name = 'EngineMissingError';
  }
}

export interface EmbeddedEngine {
  name: EngineName;
  uri: string;
  /** The engine's process id (tests stop and continue it to simulate a stalled database). */
  pid: number;
  /** False once the process has exited unexpectedly. */
  alive(): boolean;
  /** `listener` runs once if the engine exits without stop() having been called. */
  onUnexpectedExit(listener: () => void): void;
  stop(): Promise<void>;
}

/**
 * How one engine is started, and where it says the port it serves on. Each engine binds a port of the
 * system's choosing and announces it: a port chosen beforehand could be taken by another process (a
 * parallel engine) before the engine binds it, and a gateway would then talk to that process's data.
 */
export interface EngineLaunch {
  command: string;
  args: string[];
  /** The stream that carries the announcement, and the line's form with the port as its first group. */
  announces: { stream: 'stdout' | 'stderr'; port: RegExp };
}

const START_TIMEOUT_MS = 60_000;

export async function startEmbeddedEngine(
  dataDir: string,
  log: Logger,
  opts: { engine?: EngineName; database?: string } = {},
): Promise<EmbeddedEngine> {
  const name = opts.engine ?? engineFromEnv();
  const launch = name === 'ferretdb' ? ferretdbLaunch(dataDir) : javaEngineLaunch(dataDir);

  // stdin is a pipe the engine may watch: it closes when this process dies, however it dies.
  const child: ChildProcess = spawn(launch.command, launch.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let running = true;
  let stopping = false;
  const unexpectedExitListeners: (() => void)[] = [];
  // If this process ends without stop() (a crash, process.exit), the engine must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stderrTail = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-2000);
  });
  child.stdin!.on('error', () => undefined); // EPIPE once the engine has exited
  if (launch.announces.stream !== 'stdout') child.stdout!.resume();
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      process.off('exit', killOnExit);
      if (!stopping) {
        log.error({ engine: name, code, signal, stderr: stderrTail }, 'embedded engine exited unexpectedly');
        for (const listener of unexpectedExitListeners) listener();
      }
      resolve();
    });
  });
  const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));

  let port: number;
  try {
    port = await Promise.race([announcedPort(child, launch.announces), spawnFailed, deadline(START_TIMEOUT_MS)]);
  } catch (error) {
    stopping = true;
    child.kill('SIGKILL');
    await exited;
    const detail = (error as Error).message === 'deadline' ? `did not answer within ${START_TIMEOUT_MS / 1000} s` : `failed to start: ${stderrTail.trim() || (error as Error).message}`;
    throw new Error(`embedded engine ${name} ${detail}`);
  }
  log.info({ engine: name, port, dataDir }, 'embedded engine started');

  return {
    name,
    uri: `mongodb://127.0.0.1:${port}/${opts.database ?? 'dci'}`,
    pid: child.pid!,
    alive: () => running,
    onUnexpectedExit: (listener) => void unexpectedExitListeners.push(listener),
    async stop() {
      if (!running) return;
      stopping = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const deadline = (ms: number) =>
  new Promise<never>((_, reject) => {
    const timer = setTimeout(() => reject(new Error('deadline')), ms);
    timer.unref();
  });

/** The port of the engine's announcement; rejects if it exits first. */
function announcedPort(child: ChildProcess, announces: EngineLaunch['announces']): Promise<number> {
  const stream = child[announces.stream]!;
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      // Only the unfinished last line is kept: the announcement may come after other output.
      const lines = (out + chunk.toString()).split('\n');
      out = lines.pop()!;
      const port = lines.map((line) => announces.port.exec(line)?.[1]).find(Boolean);
      if (port) {
        stream.off('data', onData);
        stream.resume(); // keep draining, the engine prints nothing more of use here
        resolve(Number(port));
      }
    };
    stream.on('data', onData);
    child.once('exit', () => reject(new Error('exited before serving')));
  });
}
