import { JobQueue, PermanentJobError } from '../../src/jobs/queue';
import { jobModel } from '../../src/store/models/job';
import { startTestStore, TestStore } from '../support/store';
import { log, waitFor } from './support';

let store: TestStore;
const queues: JobQueue[] = [];

beforeAll(async () => {
  store = await startTestStore();
});
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.stop()));
});
afterAll(async () => {
  await store.close();
});

function queue(opts: ConstructorParameters<typeof JobQueue>[2] = {}): JobQueue {
  const q = new JobQueue(store.connection, log, { pollMs: 50, leaseMs: 2000, ...opts });
  queues.push(q);
  return q;
}

const settled = (q: JobQueue, key: string) => async () => ['done', 'failed'].includes((await q.status(key))?.state ?? '');

describe('JobQueue', () => {
  it('runs a job once and keeps finishedAt', async () => {
    const q = queue();
    const seen: Array<{ payload: unknown; attempt: number; key: string }> = [];
    q.define<{ id: string }>('once', async (payload, ctx) => {
      seen.push({ payload, attempt: ctx.attempt, key: ctx.key });
    });
    q.start();
    expect(await q.enqueue('once', { id: 'r-1' }, { key: 'once:1' })).toEqual({ created: true });
    q.kick();
    await waitFor(settled(q, 'once:1'));
    await q.stop();

    expect(seen).toEqual([{ payload: { id: 'r-1' }, attempt: 1, key: 'once:1' }]);
    const status = await q.status('once:1');
    expect(status).toMatchObject({ state: 'done', attempts: 1 });
    expect(status?.finishedAt).toBeInstanceOf(Date);
    expect(status?.lastError).toBeUndefined();
    expect(await q.status('no-such-key')).toBeUndefined();
  });

  it('is idempotent on key, also for concurrent enqueues', async () => {
    const q = queue();
    const payloads: unknown[] = [];
    q.define('idem', async (payload) => {
      payloads.push(payload);
    });
    expect(await q.enqueue('idem', { v: 1 }, { key: 'idem:1' })).toEqual({ created: true });
    expect(await q.enqueue('idem', { v: 2 }, { key: 'idem:1' })).toEqual({ created: false });
    const racing = await Promise.all([1, 2, 3, 4, 5].map((v) => q.enqueue('idem', { v }, { key: 'idem:2' })));
    expect(racing.filter((r) => r.created)).toHaveLength(1);

    q.start();
    await waitFor(settled(q, 'idem:1'));
    await waitFor(settled(q, 'idem:2'));
    await q.stop();
    expect(payloads).toHaveLength(2);
    expect(payloads).toContainEqual({ v: 1 });
    expect(await jobModel(store.connection).countDocuments({ key: { $in: ['idem:1', 'idem:2'] } })).toBe(2);
  });

  it('retries a failing job with backoff, then succeeds', async () => {
    const q = queue();
    const seen: Array<{ attempt: number; lastError?: string; runAt?: Date }> = [];
    const enqueuedAt = new Date();
    q.define(
      'flaky',
      async (_payload, ctx) => {
        const status = await q.status(ctx.key);
        seen.push({ attempt: ctx.attempt, lastError: status?.lastError, runAt: status?.runAt });
        if (ctx.attempt < 3) throw new Error(`upstream unavailable (${ctx.attempt})`);
      },
      { maxAttempts: 5, backoff: { baseMs: 20, maxMs: 100 } },
    );
    q.start();
    await q.enqueue('flaky', {}, { key: 'flaky:1', runAt: enqueuedAt });
    q.kick();
    await waitFor(settled(q, 'flaky:1'));

    expect(seen.map((s) => [s.attempt, s.lastError])).toEqual([
      [1, undefined],
      [2, 'upstream unavailable (1)'],
      [3, 'upstream unavailable (2)'],
    ]);
    // Each retry was rescheduled after the failure, not run at the original time.
    expect(seen[1].runAt!.getTime()).toBeGreaterThan(enqueuedAt.getTime());
    expect(seen[2].runAt!.getTime()).toBeGreaterThan(seen[1].runAt!.getTime());
    expect(await q.status('flaky:1')).toMatchObject({ state: 'done', attempts: 3 });
  });

  it('fails permanently after maxAttempts with the error message only', async () => {
    const q = queue();
    let calls = 0;
    const finals: boolean[] = [];
    q.define(
      'broken',
      async (_payload, ctx) => {
        calls += 1;
        finals.push(ctx.final);
        throw new Error('registry answered 503');
      },
      { maxAttempts: 3, backoff: { baseMs: 10, maxMs: 20 } },
    );
    q.start();
    await q.enqueue('broken', { id: 'x' }, { key: 'broken:1' });
    q.kick();
    await waitFor(settled(q, 'broken:1'));
    await q.stop();

    expect(calls).toBe(3);
    // The handler knows its last attempt, to record a final failure (a DCI callback marked failed).
    expect(finals).toEqual([false, false, true]);
    const status = await q.status('broken:1');
    expect(status).toMatchObject({ state: 'failed', attempts: 3, lastError: 'registry answered 503' });
    expect(status?.finishedAt).toBeInstanceOf(Date);
  });

  it('stops at once on PermanentJobError', async () => {
    const q = queue();
    let calls = 0;
    q.define(
      'invalid',
      async () => {
        calls += 1;
        throw new PermanentJobError('payload rejected by schema');
      },
      { maxAttempts: 5, backoff: { baseMs: 10, maxMs: 20 } },
    );
    q.start();
    await q.enqueue('invalid', {}, { key: 'invalid:1' });
    q.kick();
    await waitFor(settled(q, 'invalid:1'));
    await q.stop();

    expect(calls).toBe(1);
    expect(await q.status('invalid:1')).toMatchObject({ state: 'failed', attempts: 1, lastError: 'payload rejected by schema' });
  });

  it('does not run a job before its runAt', async () => {
    const q = queue();
    let calls = 0;
    q.define('later', async () => {
      calls += 1;
    });
    q.define('marker', async () => undefined);
    q.start();
    await q.enqueue('later', {}, { key: 'later:1', runAt: new Date(Date.now() + 60 * 60_000) });
    await q.enqueue('marker', {}, { key: 'later:marker' });
    q.kick();
    // Once a job enqueued after it has run, the future one has been considered and left alone.
    await waitFor(settled(q, 'later:marker'));
    await q.stop();
    expect(calls).toBe(0);
    expect(await q.status('later:1')).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('purges done jobs after retention by finishedAt, keeping failed ones', async () => {
    let clock = Date.now();
    const q = queue({ retentionMs: 60_000, now: () => new Date(clock) });
    q.define('short', async () => undefined);
    q.define('dead', async () => {
      throw new PermanentJobError('gone');
    });
    q.start();
    await q.enqueue('short', {}, { key: 'short:1' });
    await q.enqueue('dead', {}, { key: 'dead:1' });
    q.kick();
    await waitFor(settled(q, 'short:1'));
    await waitFor(settled(q, 'dead:1'));

    clock += 2 * 60_000;
    q.kick();
    await waitFor(async () => (await q.status('short:1')) === undefined);
    expect(await q.status('dead:1')).toMatchObject({ state: 'failed' });
    // Past retention the key is free again.
    expect(await q.enqueue('short', {}, { key: 'short:1' })).toEqual({ created: true });
  });
});
