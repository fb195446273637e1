/**
 * One gateway per data directory, as an operator meets it: while `serve` runs, a second `serve` on
 * the same DATA_DIR is refused with a message naming the first, and CLI commands (here `partners`)
 * work on the running gateway's database instead of starting a second engine on the same files.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { engineFromEnv } from '../../src/store/engine';
import { enginesOf, runCli } from '../support/cli';

const ROOT = path.resolve(__dirname, '../..');
const { MONGODB_URI: _ignored, ...env } = process.env;

function serve(dataDir: string): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'serve'], { cwd: ROOT, env: { ...env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' } });
  const url = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)\/graphql/.exec(out);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  return { child, url };
}

/** The partners the gateway at `url` serves, asked with a token of its DATA_DIR. */
async function partnersSeenBy(url: string, dataDir: string): Promise<unknown> {
  const token = (await runCli(['token', '--scope', 'partners:admin'], dataDir)).stdout.trim();
  const answer = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ partners { senderId } }' }),
  });
  return answer.json();
}

describe('one gateway per DATA_DIR', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-datadir-'));
  let first: ChildProcess | undefined;
  afterAll(async () => {
    if (first && first.exitCode === null) {
      const exited = new Promise((resolve) => first!.once('exit', resolve));
      first.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second serve, and lets CLI commands use the running engine', async () => {
    const running = serve(dataDir);
    first = running.child;
    const url = await running.url;

    const second = await runCli(['serve'], dataDir);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`DATA_DIR ${dataDir} is in use by a gateway (dci-gateway serve, pid ${first.pid}, ${url.replace('localhost', '127.0.0.1')})`);

    const added = await runCli(['partners', 'add', '--sender-id', 'mis.example.org', '--jwks-url', 'https://mis.example.org/jwks.json', '--callback-base', 'https://mis.example.org/dci', '--scopes', 'dci:search'], dataDir);
    expect(added.code).toBe(0);
    expect(added.stderr).toContain('using the embedded engine of the process holding DATA_DIR');

    expect(await partnersSeenBy(url, dataDir)).toEqual({ data: { partners: [{ senderId: 'mis.example.org' }] } });
    expect(first.exitCode).toBeNull();
  });

  it('after the gateway is killed with SIGKILL, its engine goes too, and the next serve takes over the data directory', async () => {
    const exited = new Promise((resolve) => first!.once('exit', resolve));
    first!.kill('SIGKILL');
    await exited;
    if (engineFromEnv() === 'mongo-java-server') {
      // Our launcher watches its stdin, whose other end died with the gateway. (FerretDB does not:
      // the orphan lives on until the next start, which stops it before starting its own.)
      for (let i = 0; i < 100 && enginesOf(dataDir).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(enginesOf(dataDir)).toEqual([]);
    }

    const again = serve(dataDir);
    first = again.child;
    const url = await again.url;
    expect(enginesOf(dataDir)).toHaveLength(1);
    expect(await partnersSeenBy(url, dataDir)).toEqual({ data: { partners: [{ senderId: 'mis.example.org' }] } });
  });
});
