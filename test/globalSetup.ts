/**
 * Compiles the project once before any test file runs, so the CLI and gateway processes the tests
 * start are the current source. Compiling per test file rewrote every file under dist/ while the
 * other worker's child processes were loading them.
 *
 * Then type-checks the tests with the code they use, once: ts-jest only transpiles each file
 * (`isolatedModules` in test/tsconfig.json), where type-checking every file again in each worker
 * cost a cold run of the suite about a minute.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function compile(): void {
  const tsc = (...args: string[]) => execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), ...args], { stdio: 'inherit' });
  tsc('-p', path.resolve(__dirname, '..'));
  tsc('-p', __dirname, '--noEmit');
}
