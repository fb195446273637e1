/**
 * `dci-gateway` as an operator runs it: the compiled CLI in a child process, on the DATA_DIR it is
 * given, with the embedded engine. test/globalSetup.ts compiles it once before the tests run.
 */
import { ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const MAIN = path.join(ROOT, 'dist/src/cli/main.js');

/** A command that has not ended by then is killed, so a hang fails its test with the output so far. */
const RUN_DEADLINE_MS = 90_000;

export interface CliRun {
  code: number | null;
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI in a child process; `done` resolves with its exit code and output once it ends. */
export function spawnCli(args: string[], dataDir: string, env: Record<string, string> = {}): { child: ChildProcessWithoutNullStreams; done: Promise<CliRun> } {
  // MONGODB_URI is dropped so every run uses the embedded engine of its own DATA_DIR.
  const { MONGODB_URI: _ignored, ...inherited } = process.env;
  // Logs at info go to stderr, so the tests also see that they stay off stdout.
  const child = spawn(process.execPath, [MAIN, ...args], { env: { ...inherited, DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Runs one command to its end, or kills it at the deadline; stderr then says so. */
export async function runCli(args: string[], dataDir: string, env: Record<string, string> = {}): Promise<CliRun> {
  const { child, done } = spawnCli(args, dataDir, env);
  const deadline = setTimeout(() => child.kill('SIGKILL'), RUN_DEADLINE_MS);
  try {
    const run = await done;
    return run.signal === 'SIGKILL' ? { ...run, stderr: `${run.stderr}\n[killed after ${RUN_DEADLINE_MS} ms: dci-gateway ${args.join(' ')}]` } : run;
  } finally {
    clearTimeout(deadline);
  }
}

/** Engine processes whose data lives under `dataDir` (its path is on their command line). */
export function enginesOf(dataDir: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.split('\n').filter((line) => /ferretdb|DurableEngine/.test(line) && line.includes(`${dataDir}/`));
}
