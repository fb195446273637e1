/**
 * The gateway process as an operator runs it: `serve` stops cleanly on SIGTERM, and the embedded
 * engine it started never outlives it, not even when the process dies of an uncaught error.
 */
import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { enginesOf, runCli } from '../support/cli';

const ROOT = path.resolve(__dirname, '../..');

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Resolves with everything printed once `text` has appeared on stdout. */
function waitForOutput(child: ChildProcess, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      if (out.includes(text)) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing "${text}": ${out}`)));
  });
}

describe('the gateway process', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-serve-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const { MONGODB_URI: _ignored, ...env } = process.env;

  it('serve --demo (gateway and partner sandbox) stops on SIGTERM with exit code 0 and takes its engine down with it', async () => {
    const serve = spawn(process.execPath, ['dist/src/cli/main.js', 'serve', '--demo'], { cwd: ROOT, env: { ...env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' } });
    const exited = exitOf(serve);
    const said = await waitForOutput(serve, 'partner sandbox');
    expect(said).toMatch(/^partner sandbox \(CRVS, IBR, DR, social\) on http:\/\/127\.0\.0\.1:\d+, wired as data sources sandbox-crvs, sandbox-ibr, sandbox-dr, sandbox-social$/m);
    expect(enginesOf(dataDir)).toHaveLength(1);

    serve.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(enginesOf(dataDir)).toEqual([]);
  });

  it('serve exits with code 1 when its embedded engine dies, rather than serving errors', async () => {
    const serve = spawn(process.execPath, ['dist/src/cli/main.js', 'serve'], { cwd: ROOT, env: { ...env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' } });
    const exited = exitOf(serve);
    await waitForOutput(serve, 'listening on');
    const [engine] = enginesOf(dataDir);
    process.kill(Number(engine.trim().split(/\s+/)[0]), 'SIGKILL');
    expect(await exited).toBe(1);
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = await runCli(['--version'], dataDir);
    expect(run).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('an uncaught error ends the process and its engine', async () => {
    const script = `
      const { startEmbeddedEngine } = require('./dist/src/store/engine');
      const { createLogger } = require('./dist/src/log');
      startEmbeddedEngine(process.env.DATA_DIR, createLogger('silent')).then(() => {
        process.stdout.write('engine up\\n');
        setTimeout(() => { throw new Error('unexpected'); }, 10);
      });`;
    const crashing = spawn(process.execPath, ['-e', script], { cwd: ROOT, env: { ...env, DATA_DIR: dataDir } });
    const exited = exitOf(crashing);
    await waitForOutput(crashing, 'engine up');
    expect(await exited).toBe(1);
    expect(enginesOf(dataDir)).toEqual([]);
  });
});
