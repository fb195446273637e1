/**
 * Compiles the project once before any test file runs, so the CLI and gateway processes the tests
 * start are the current source. Compiling per test file rewrote every file under dist/ while the
 * other worker's child processes were loading them.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function compile(): void {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.resolve(__dirname, '..')], { stdio: 'inherit' });
}
