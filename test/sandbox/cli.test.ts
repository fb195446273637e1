/** `dci-gateway sandbox` as an operator runs it: the built CLI in a child process. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, Sandbox } from '../../adapters/dci/sandbox';
import { runCli } from '../support/cli';

describe('dci-gateway sandbox', () => {
  let running: Sandbox;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-sandbox-cli-'));
  beforeAll(async () => {
    running = await startSandbox({ births: 5 });
  });
  afterAll(async () => {
    await running.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a busy --port in one line that names the port and what to do', async () => {
    const port = new URL(running.url).port;
    const run = await runCli(['sandbox', '--port', port], dataDir);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`sandbox not started: port ${port} is already in use by another process: stop it, or choose another with --port (0 picks a free one)`);
    expect(run.stdout).toBe('');
  });
});
