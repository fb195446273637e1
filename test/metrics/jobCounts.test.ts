/**
 * The job gauge's read when the database hangs: the gateway talks to the engine through a TCP relay
 * that can stop passing requests on, so commands are sent but never answered.
 */
import net from 'node:net';
import { startTestGateway, TestGateway } from '../support/gateway';
import { startTestStore, TestStore } from '../support/store';
import { scrape } from './scrape';

/** Relays to `target`; while held, nothing clients send is read, so their requests stay unanswered. */
async function relay(target: URL) {
  const pairs = new Set<[client: net.Socket, upstream: net.Socket]>();
  let held = false;
  const server = net.createServer((client) => {
    const pair: [net.Socket, net.Socket] = [client, net.connect(Number(target.port), target.hostname)];
    const drop = () => {
      pair.forEach((s) => s.destroy());
      pairs.delete(pair);
    };
    pair.forEach((s) => s.on('close', drop).on('error', drop));
    pairs.add(pair);
    client.pipe(pair[1]).pipe(client);
    if (held) client.pause();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    uri: `mongodb://127.0.0.1:${(server.address() as net.AddressInfo).port}${target.pathname}`,
    hold() {
      held = true;
      pairs.forEach(([client]) => client.pause());
    },
    release() {
      held = false;
      pairs.forEach(([client]) => client.resume());
    },
    async close() {
      pairs.forEach(([client]) => client.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('job gauge with a database that does not answer', () => {
  let store: TestStore;
  let database: Awaited<ReturnType<typeof relay>>;
  let t: TestGateway;

  beforeAll(async () => {
    store = await startTestStore();
    database = await relay(new URL(store.engine?.uri ?? process.env.TEST_MONGODB_URI!));
    t = await startTestGateway({ MONGODB_URI: database.uri });
    await t.pauseBackgroundWork(); // its pollers share the command counter
  });
  afterAll(async () => {
    database?.release();
    await t?.stop();
    await database?.close();
    await store?.close();
  });

  it('starts no second count while the one a scrape gave up on still runs', async () => {
    const token = `Bearer ${await t.token(['metrics:read'])}`;
    expect((await scrape(t.url, token)).value('dci_gateway_database_up')).toBe(1);

    database.hold();
    const before = t.gateway.store.commandCount();
    expect((await scrape(t.url, token)).value('dci_gateway_database_up')).toBe(0);
    expect(t.gateway.store.commandCount()).toBe(before + 1);
    const next = await scrape(t.url, token);
    expect(next.value('dci_gateway_database_up')).toBe(0);
    expect(next.samples.filter((s) => s.name === 'dci_gateway_jobs')).toEqual([]);
    expect(t.gateway.store.commandCount()).toBe(before + 1);

    database.release();
    expect((await scrape(t.url, token)).value('dci_gateway_database_up')).toBe(1);
  });
});
