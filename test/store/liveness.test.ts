/**
 * Which failures mean "the database is not answering" (a coded 503 on every surface) and which are
 * the operation's own: told apart on real errors from the real engine and from a closed port.
 */
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

  it('answers a ping while the engine runs, and not once it has stopped', async () => {
    await expect(store.liveness.answering()).resolves.toBe(true);
    expect(store.liveness.suspect).toBe(false);
    await store.engine?.stop();
    await expect(store.liveness.answering()).resolves.toBe(false);
    expect(store.liveness.suspect).toBe(true);
  });
});
