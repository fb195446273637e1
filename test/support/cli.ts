/**
 * `dci-gateway` as an operator runs it: the compiled CLI in a child process, on the DATA_DIR it is
 * given, with the embedded engine.
 */
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const MAIN = path.join(ROOT, 'dist/src/cli/main.js');

/** How long `buildCli` may take, for the hook that calls it. */
export const BUILD_TIMEOUT_MS = 180_000;

/** Compiles the project, so the CLI under test is the current source; tsc is incremental enough to run per file. */
export function buildCli(): void {
  execFileSync('npx', ['tsc', '-p', ROOT], { cwd: ROOT, stdio: 'inherit' });
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], dataDir: string): Promise<CliRun> {
  // MONGODB_URI is dropped so every run uses the embedded engine of its own DATA_DIR.
  const { MONGODB_URI: _ignored, ...env } = process.env;
  return new Promise((resolve, reject) => {
    // Logs at info go to stderr, so the tests also see that they stay off stdout.
    const child = spawn(process.execPath, [MAIN, ...args], { env: { ...env, DATA_DIR: dataDir, LOG_LEVEL: 'info' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
