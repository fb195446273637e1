/**
 * One engine per data directory: the process that starts it holds DATA_DIR's lock; a second
 * `serve` is refused with a message naming the holder; other commands use the running engine;
 * a lock left by a dead process is taken over.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createLogger } from '../../src/log';
import { openStore, Store } from '../../src/store/connection';
import { DataDirInUseError, readHolder } from '../../src/store/dataDirLock';

const log = createLogger('silent');

describe('DATA_DIR lock', () => {
  let dataDir: string;
  const open: Store[] = [];
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-lock-'));
  });
  afterEach(async () => {
    for (const store of open.splice(0).reverse()) await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const opened = async (command?: string) => {
    const store = await openStore({ dataDir, log, command });
    open.push(store);
    return store;
  };

  it('refuses a second serve, naming the one that runs', async () => {
    const serving = await opened('serve');
    serving.announce('http://127.0.0.1:4321');
    const second = openStore({ dataDir, log, command: 'serve' });
    await expect(second).rejects.toBeInstanceOf(DataDirInUseError);
    await expect(second).rejects.toThrow(`DATA_DIR ${dataDir} is in use by a gateway (dci-gateway serve, pid ${process.pid}, http://127.0.0.1:4321)`);
  });

  it('lets other commands use the running engine instead of starting another', async () => {
    const serving = await opened('serve');
    const command = await opened('partners');
    expect(command.engine).toBeUndefined();
    await serving.connection.db!.collection('probe').insertOne({ from: 'serve' });
    expect(await command.connection.db!.collection('probe').countDocuments({ from: 'serve' })).toBe(1);
    await command.close();
    open.pop();
    expect(readHolder(dataDir)?.pid).toBe(process.pid); // the command's close leaves the holder's lock alone
    await expect(serving.ready()).resolves.toBe(true);
  });

  it('takes over the lock of a process that died, and releases its own on close', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    fs.writeFileSync(path.join(dataDir, 'engine.lock'), JSON.stringify({ pid: Number(dead.stdout), command: 'serve', engine: 'ferretdb', startedAt: new Date(0).toISOString() }));
    const store = await opened('serve');
    expect(readHolder(dataDir)).toMatchObject({ pid: process.pid, command: 'serve', uri: store.engine!.uri, enginePid: store.engine!.pid });
    await store.close();
    open.pop();
    expect(fs.existsSync(path.join(dataDir, 'engine.lock'))).toBe(false);
  });
});
