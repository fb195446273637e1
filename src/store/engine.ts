/**
 * The embedded engine: FerretDB with its SQLite backend, run as a child process on a free loopback
 * port with its data under DATA_DIR. Used when MONGODB_URI is unset, and by the tests.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { findEngineBinary } from './engineBinary';
import type { Logger } from '../log';

export class EngineMissingError extends Error {
  constructor() {
    super(
      'No MongoDB to use: MONGODB_URI is not set and the embedded FerretDB engine is not installed. ' +
        'Set MONGODB_URI to a MongoDB 6+ server (for example mongodb://localhost:27017/dci), ' +
        'or install Go (https://go.dev/dl) and run `npm install` again to build the engine.',
    );
    this.name = 'EngineMissingError';
  }
}

export interface EmbeddedEngine {
  uri: string;
  /** The engine's process id (tests stop and continue it to simulate a stalled database). */
  pid: number;
  /** False once the process has exited unexpectedly. */
  alive(): boolean;
  /** `listener` runs once if the engine exits without stop() having been called. */
  onUnexpectedExit(listener: () => void): void;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startEmbeddedEngine(
  dataDir: string,
  log: Logger,
  database = 'dci',
): Promise<EmbeddedEngine> {
  const binary = findEngineBinary();
  if (!binary) throw new EngineMissingError();
  const dbDir = path.join(dataDir, 'ferretdb');
  fs.mkdirSync(dbDir, { recursive: true });
  const port = await freePort();

  const child: ChildProcess = spawn(
    binary,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dbDir}/`,
      `--state-dir=${dbDir}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=127.0.0.1:0', // its default fixed port collides between parallel instances
      '--telemetry=disable',
      '--log-level=warn',
      '--log-format=json',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let running = true;
  let stopping = false;
  const unexpectedExitListeners: (() => void)[] = [];
  // If this process ends without stop() (a crash, process.exit), the engine must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      process.off('exit', killOnExit);
      if (!stopping) {
        log.error({ code, signal, stderr: stderrTail }, 'embedded engine exited unexpectedly');
        for (const listener of unexpectedExitListeners) listener();
      }
      resolve();
    });
  });

  const deadline = Date.now() + 30_000;
  while (!(await answers(port))) {
    if (!running) throw new Error(`embedded engine failed to start: ${stderrTail.trim() || 'no output'}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('embedded engine did not answer within 30 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  log.info({ port, dataDir: dbDir }, 'embedded engine started');

  return {
    uri: `mongodb://127.0.0.1:${port}/${database}`,
    pid: child.pid!,
    alive: () => running,
    onUnexpectedExit: (listener) => void unexpectedExitListeners.push(listener),
    async stop() {
      if (!running) return;
      stopping = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
