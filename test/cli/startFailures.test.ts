/**
 * What an operator sees when `serve` cannot start: a MONGODB_URI where nothing answers, a PORT
 * another process holds, or both PORT and DATA_DIR held by a running gateway. One plain line naming
 * the variable, a non-zero exit, and for a busy port no engine started first. Times are printed, never asserted.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnCli } from '../support/cli';

/** A port with a listener on it (every address), and one with none. */
async function listeningPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function closedPort(): Promise<number> {
  const { port, close } = await listeningPort();
  await close();
  return port;
}

describe('serve refuses to start, saying why', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-start-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('names MongoDB and MONGODB_URI when nothing answers at MONGODB_URI, and exits non-zero', async () => {
    const uri = `mongodb://127.0.0.1:${await closedPort()}/dci`;
    const started = Date.now();
    const run = await spawnCli(['serve'], dataDir, { MONGODB_URI: uri, PORT: '0' }).done;
    console.log(`unreachable MONGODB_URI: exit after ${Date.now() - started} ms`);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Cannot connect to MongoDB at MONGODB_URI (${uri})`);
    expect(run.stdout).not.toContain('listening');
  }, 60_000);

  it('names PORT when the port is taken, before any engine starts in DATA_DIR', async () => {
    const busy = await listeningPort();
    try {
      const started = Date.now();
      const run = await spawnCli(['serve'], dataDir, { PORT: String(busy.port) }).done;
      console.log(`busy PORT: exit after ${Date.now() - started} ms`);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`PORT ${busy.port} is already in use`);
      // The engine, its lock and its files live in DATA_DIR: nothing was started there.
      expect(fs.readdirSync(dataDir)).toEqual([]);
    } finally {
      await busy.close();
    }
  }, 60_000);

  it('names the running gateway rather than the port when a second serve meets both on one DATA_DIR', async () => {
    const first = spawnCli(['serve'], dataDir, { PORT: '0' });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        let out = '';
        first.child.stdout.on('data', (chunk: Buffer) => {
          out += chunk;
          const match = /listening on http:\/\/localhost:(\d+)/.exec(out);
          if (match) resolve(match[1]);
        });
        void first.done.then((run) => reject(new Error(`the first serve exited: ${run.stderr}`)));
      });
      const second = await spawnCli(['serve'], dataDir, { PORT: port }).done;
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(`DATA_DIR ${dataDir} is in use by a gateway (dci-gateway serve, pid ${first.child.pid}`);
    } finally {
      first.child.kill('SIGTERM');
      await first.done;
    }
  }, 120_000);
});
