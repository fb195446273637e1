/**
 * One gateway per data directory. Whoever starts the embedded engine holds `DATA_DIR/engine.lock`,
 * a small JSON file naming the process, the engine's address and, once serving, the gateway's URL.
 * A second `serve` is refused with a message naming the running one; other commands connect to
 * the running engine instead of starting a second one on the same files. A lock whose process has
 * died (SIGKILL, power cut) is stale: it is taken over, and an engine it left running is stopped.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EngineName } from './engine';

export interface LockHolder {
  pid: number;
  /** `serve`, or the CLI command that holds the engine for its run. */
  command: string;
  engine: EngineName;
  startedAt: string;
  uri?: string;
  enginePid?: number;
  url?: string;
}

export class DataDirInUseError extends Error {
  constructor(dataDir: string, holder: LockHolder) {
    const who = holder.command === 'serve' ? `a gateway (dci-gateway serve, pid ${holder.pid}${holder.url ? `, ${holder.url}` : ''})` : `dci-gateway ${holder.command} (pid ${holder.pid})`;
    super(
      `DATA_DIR ${dataDir} is in use by ${who}, running since ${holder.startedAt}. ` +
        'Stop it first, or start this gateway with its own DATA_DIR. ' +
        'CLI commands such as `token`, `partners` or `seed` can run beside it: they use its database.',
    );
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirLock {
  /** Records more about the holder (the engine's address, the gateway's URL) for the next reader. */
  update(info: Partial<LockHolder>): void;
  release(): void;
}

const lockFile = (dataDir: string) => path.join(dataDir, 'engine.lock');

/** Takes the lock, or says who holds it. */
export function claimDataDir(dataDir: string, holder: Omit<LockHolder, 'pid' | 'startedAt'>): { lock: DataDirLock } | { heldBy: LockHolder } {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = lockFile(dataDir);
  let current: LockHolder = { ...holder, pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(current), { flag: 'wx', mode: 0o600 });
      return {
        lock: {
          update(info) {
            current = { ...current, ...info };
            const partial = `${file}.${process.pid}`;
            fs.writeFileSync(partial, JSON.stringify(current), { mode: 0o600 });
            fs.renameSync(partial, file); // readers never see half a file
          },
          release() {
            if (readHolder(dataDir)?.pid === process.pid) fs.rmSync(file, { force: true });
          },
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const existing = readHolder(dataDir);
    if (existing && processRuns(existing.pid)) return { heldBy: existing };
    if (!existing && Date.now() - mtime(file) < 2000) {
      // Just created by a starting process that has not written it yet.
      sleepSync(100);
      continue;
    }
    if (existing?.enginePid && processRuns(existing.enginePid)) stopOrphanEngine(existing.enginePid, dataDir);
    fs.rmSync(file, { force: true });
  }
  throw new Error(`could not take the lock ${file}: it keeps changing hands`);
}

/** The holder of the lock, if the file exists and reads as one. */
export function readHolder(dataDir: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(fs.readFileSync(lockFile(dataDir), 'utf8')) as LockHolder;
    return Number.isInteger(holder.pid) ? holder : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until the holder has published its engine's address (it may be starting it right now). */
export async function runningEngineUri(dataDir: string, holder: LockHolder, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let current: LockHolder | undefined = holder;
  while (current && !current.uri && processRuns(current.pid) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    current = readHolder(dataDir);
  }
  if (current?.uri) return current.uri;
  throw new Error(`the process holding DATA_DIR ${dataDir} (pid ${holder.pid}) did not start its database engine; try again once it is up, or stop it`);
}

/** True if `pid` is a live process; on Linux also that it is a Node or engine process, not a reused pid. */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /node|java|ferretdb|DurableEngine/.test(cmdline);
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** An engine left behind by a holder that was killed: it must let go of the store before we start ours. */
function stopOrphanEngine(pid: number, dataDir: string): void {
  try {
    if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir)) return;
  } catch {
    return;
  }
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 5000;
  while (processRuns(pid) && Date.now() < deadline) sleepSync(50);
}

function mtime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
