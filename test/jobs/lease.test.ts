import mongoose from 'mongoose';
import { JobQueue } from '../../src/jobs/queue';
import { startTestStore, TestStore } from '../support/store';
import { gate, log, otherConnection, waitFor } from './support';

let store: TestStore;
const queues: JobQueue[] = [];
const connections: mongoose.Connection[] = [];

beforeAll(async () => {
  store = await startTestStore();
});
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.stop()));
  await Promise.all(connections.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await store.close();
});

function queue(connection: mongoose.Connection, opts: ConstructorParameters<typeof JobQueue>[2] = {}): JobQueue {
  const q = new JobQueue(connection, log, { pollMs: 50, leaseMs: 2000, ...opts });
  queues.push(q);
  return q;
}

/**
 * A "process" that claims the job and then dies mid-run: its handler hangs and its database client
 * is closed, so it can neither renew the lease nor record an outcome. Returns its handler's gate
 * (opened by the test to let the dead handler return) and its stop().
 */
async function crashWhileRunning(kind: string, key: string) {
  const connection = await otherConnection(store);
  const hung = gate();
  let entered = false;
  const doomed = new JobQueue(connection, log, { pollMs: 50, leaseMs: 300 });
  doomed.define(kind, async () => {
    entered = true;
    await hung.wait;
  });
  doomed.start();
  await doomed.enqueue(kind, {}, { key });
  doomed.kick();
  await waitFor(() => entered);
  const stopped = doomed.stop();
  await connection.close(true);
  return { release: hung.open, stopped };
}

describe('JobQueue leases and workers', () => {
  it('runs a job again after the lease of a crashed runner expires', async () => {
    const crashed = await crashWhileRunning('crashy', 'crashy:1');
    const attempts: number[] = [];
    const q = queue(store.connection, { leaseMs: 300 });
    q.define('crashy', async (_payload, ctx) => {
      attempts.push(ctx.attempt);
    });
    q.start();
    await waitFor(async () => (await q.status('crashy:1'))?.state === 'done');

    crashed.release();
    await crashed.stopped; // the dead runner's late outcome is not recorded
    expect(attempts).toEqual([2]);
    expect(await q.status('crashy:1')).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('fails a job whose last allowed attempt lost its lease', async () => {
    const crashed = await crashWhileRunning('crashy-once', 'crashy-once:1');
    let calls = 0;
    const q = queue(store.connection, { leaseMs: 300 });
    q.define(
      'crashy-once',
      async () => {
        calls += 1;
      },
      { maxAttempts: 1 },
    );
    q.start();
    await waitFor(async () => (await q.status('crashy-once:1'))?.state === 'failed');
    crashed.release();
    await crashed.stopped;
    expect(calls).toBe(0);
    expect(await q.status('crashy-once:1')).toMatchObject({ attempts: 2, lastError: 'lease expired on the last attempt' });
  });

  it('never runs the same job twice when two queues share the database', async () => {
    const second = await otherConnection(store);
    connections.push(second);
    const runs = new Map<string, number>();
    const active = new Set<string>();
    let overlaps = 0;
    const handler = async (_payload: unknown, ctx: { key: string }) => {
      if (active.has(ctx.key)) overlaps += 1;
      active.add(ctx.key);
      runs.set(ctx.key, (runs.get(ctx.key) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 5));
      active.delete(ctx.key);
    };
    // Leases long enough that no stall of a loaded machine lets one expire: this test is about
    // the claim itself (a runner that loses its lease is run again by design, at-least-once).
    const a = queue(store.connection, { pollMs: 10, concurrency: 4, leaseMs: 60_000 });
    const b = queue(second, { pollMs: 10, concurrency: 4, leaseMs: 60_000 });
    a.define('shared', handler);
    b.define('shared', handler);
    const keys = Array.from({ length: 40 }, (_, i) => `shared:${i}`);
    for (const key of keys) await a.enqueue('shared', {}, { key });
    a.start();
    b.start();
    await waitFor(() => runs.size === keys.length, 30_000);
    await Promise.all([a.stop(), b.stop()]);
    const states = await Promise.all(keys.map((k) => a.status(k)));
    expect(states.every((s) => s?.state === 'done')).toBe(true);

    expect(overlaps).toBe(0);
    expect(keys.filter((k) => runs.get(k) !== 1)).toEqual([]);
  });

  it('leaves a job to its runner when the lease was renewed after the read that found it expiring', async () => {
    const runner = queue(store.connection, { leaseMs: 60_000 });
    const held = gate();
    let runs = 0;
    runner.define('renewed', async () => {
      runs += 1;
      await held.wait;
    });
    runner.start();
    await runner.enqueue('renewed', {}, { key: 'renewed:1' });
    runner.kick();
    await waitFor(() => runs === 1);
    // What another worker's poll read just before the runner renewed: the job running, its lease run out.
    const read = await store.connection.collection('jobs').findOne({ key: 'renewed:1' });
    const stale = { ...read, lockedUntil: new Date(Date.now() - 1000) };
    const other = queue(store.connection, { leaseMs: 60_000 });
    const claim = (other as unknown as { claim(job: unknown): Promise<number | undefined> }).claim.bind(other);
    expect(await claim(stale)).toBeUndefined();
    held.open();
    await waitFor(async () => (await runner.status('renewed:1'))?.state === 'done');
    expect(runs).toBe(1);
    expect(await runner.status('renewed:1')).toMatchObject({ attempts: 1 });
  });

  it('stop() stops claiming and waits for running handlers', async () => {
    const q = queue(store.connection);
    const held = gate();
    let entered = false;
    let finished = false;
    q.define('slow', async () => {
      entered = true;
      await held.wait;
      finished = true;
    });
    q.define('after', async () => undefined);
    q.start();
    await q.enqueue('slow', {}, { key: 'slow:1' });
    q.kick();
    await waitFor(() => entered);

    let stopped = false;
    const stopping = q.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false);
    await q.enqueue('after', {}, { key: 'after:1' });
    q.kick();
    held.open();
    await stopping;

    expect(finished).toBe(true);
    expect(await q.status('slow:1')).toMatchObject({ state: 'done' });
    expect(await q.status('after:1')).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('a new queue on the same connection runs work left pending by a stopped one', async () => {
    const first = queue(store.connection);
    const firstRuns: string[] = [];
    first.define('resume', async (_payload, ctx) => {
      firstRuns.push(ctx.key);
    });
    first.start();
    await first.enqueue('resume', {}, { key: 'resume:now' });
    await first.enqueue('resume', {}, { key: 'resume:later', runAt: new Date(Date.now() + 500) });
    first.kick();
    await waitFor(async () => (await first.status('resume:now'))?.state === 'done');
    await first.stop();
    expect(firstRuns).toEqual(['resume:now']);

    const second = queue(store.connection);
    const secondRuns: string[] = [];
    second.define('resume', async (_payload, ctx) => {
      secondRuns.push(ctx.key);
    });
    second.start();
    await waitFor(async () => (await second.status('resume:later'))?.state === 'done');
    expect(secondRuns).toEqual(['resume:later']);
  });
});
