/**
 * Which failures mean "the database is not answering" (a coded 503 on every surface) and which are
 * the operation's own: told apart on real errors from the real engine and from a closed port.
 */
import fs from 'node:fs';
import net from 'node:net';
import mongoose from 'mongoose';
import { GatewayError } from '../../src/errors';
import { isDatabaseUnreachable } from '../../src/store/liveness';
import { startTestStore, TestStore } from '../support/store';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a database that does not answer, told apart from a failing operation', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await startTestStore();
  });
  afterAll(() => store?.close());

  it('counts a server nobody answers at as unreachable', async () => {
    const connection = mongoose.createConnection(`mongodb://127.0.0.1:${await closedPort()}/dci`, { serverSelectionTimeoutMS: 300 });
    const error = await connection.asPromise().catch((e: unknown) => e);
    await connection.close().catch(() => undefined);
    expect(isDatabaseUnreachable(error)).toBe(true);
  });

  it('does not count an operation the database refused, nor our own errors', async () => {
    const collection = store.connection.db!.collection('liveness_probe');
    await collection.insertOne({ _id: 'once' } as never);
    const duplicate = await collection.insertOne({ _id: 'once' } as never).catch((e: unknown) => e);
    expect((duplicate as { code?: number }).code).toBe(11000);
    expect(isDatabaseUnreachable(duplicate)).toBe(false);
    expect(isDatabaseUnreachable(new GatewayError('NOT_FOUND', 'x not found'))).toBe(false);
  });

  it('does not take a reply the engine sent before it stopped for an answer to a later ping', async () => {
    const engine = store.engine!;
    const stopped = () => fs.readFileSync(`/proc/${engine.pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] === 'T';
    const sleepBlocking = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    // The engine answers this command while this process is busy: its reply waits in the socket,
    // to be read only after the engine has stopped and the ping below has been asked.
    const client = store.connection.getClient();
    const sent = new Promise((resolve) => client.once('connectionCheckedOut', resolve));
    const answeredEarly = store.connection.db!.collection('liveness_probe').findOne({ _id: 'early' } as never);
    await sent;
    await new Promise(setImmediate); // the command is written; its reply is read no sooner than the next poll
    sleepBlocking(500);
    process.kill(engine.pid, 'SIGSTOP');
    try {
      for (let i = 0; i < 200 && !stopped(); i++) sleepBlocking(10);
      expect(stopped()).toBe(true);
      await expect(store.liveness.answering()).resolves.toBe(false);
      await answeredEarly;
    } finally {
      process.kill(engine.pid, 'SIGCONT');
    }
    await expect(store.liveness.answering()).resolves.toBe(true);
  });

  it('answers a ping while the engine runs, and not once it has stopped', async () => {
    await expect(store.liveness.answering()).resolves.toBe(true);
    expect(store.liveness.suspect).toBe(false);
    await store.engine?.stop();
    await expect(store.liveness.answering()).resolves.toBe(false);
    expect(store.liveness.suspect).toBe(true);
  });
});
