import { ReplayGuard } from '../../adapters/dci/protocol';
import { MongoReplayStore, replayModel } from '../../src/store/models/replay';
import { startTestStore, TestStore } from '../support/store';

describe('replay guard on the real engine', () => {
  let store: TestStore;
  let clock: number;
  const at = (ms: number) => new Date(ms).toISOString();
  const header = (sender_id: string, message_id: string, message_ts = at(clock)) => ({ sender_id, message_id, message_ts });

  beforeAll(async () => {
    store = await startTestStore();
  });
  afterAll(async () => {
    await store.close();
  });
  beforeEach(() => {
    clock = Date.now();
  });

  const guard = (opts = {}) => new ReplayGuard(new MongoReplayStore(store.connection), { now: () => clock, ...opts });

  it('accepts a message once and rejects its replay from the same sender', async () => {
    const g = guard();
    await expect(g.check(header('spmis.gov.example', 'm-1'))).resolves.toEqual({ ok: true });
    await expect(g.check(header('spmis.gov.example', 'm-1'))).resolves.toEqual({ ok: false, reason: 'rjct.message_id.duplicate' });
    await expect(g.check(header('crvs.gov.example', 'm-1'))).resolves.toEqual({ ok: true });
  });

  it('detects a replay across processes sharing the database', async () => {
    await expect(guard().check(header('spmis.gov.example', 'm-2'))).resolves.toEqual({ ok: true });
    await expect(guard().check(header('spmis.gov.example', 'm-2'))).resolves.toEqual({ ok: false, reason: 'rjct.message_id.duplicate' });
  });

  it('rejects a message_ts outside the window, or not a date-time with timezone', async () => {
    const g = guard({ windowMs: 5 * 60 * 1000 });
    await expect(g.check(header('spmis.gov.example', 'm-3', at(clock - 5 * 60 * 1000 - 1)))).resolves.toEqual({ ok: false, reason: 'rjct.message_ts.invalid' });
    await expect(g.check(header('spmis.gov.example', 'm-4', at(clock + 6 * 60 * 1000)))).resolves.toEqual({ ok: false, reason: 'rjct.message_ts.invalid' });
    await expect(g.check(header('spmis.gov.example', 'm-5', '2026-03-02T09:15:30'))).resolves.toEqual({ ok: false, reason: 'rjct.message_ts.invalid' });
    await expect(g.check(header('spmis.gov.example', 'm-6', at(clock - 4 * 60 * 1000)))).resolves.toEqual({ ok: true });
  });

  it('forgets a message id whose record has expired, and prunes expired rows', async () => {
    const g = guard();
    const replays = replayModel(store.connection);
    const expireAll = () => replays.updateMany({}, { $set: { expires_at: new Date(Date.now() - 1) } });
    await expect(g.check(header('spmis.gov.example', 'm-7'))).resolves.toEqual({ ok: true });
    await expireAll();
    await expect(g.check(header('spmis.gov.example', 'm-7'))).resolves.toEqual({ ok: true });
    await expect(g.check(header('spmis.gov.example', 'm-7'))).resolves.toEqual({ ok: false, reason: 'rjct.message_id.duplicate' });
    await expireAll();
    await new MongoReplayStore(store.connection).remember('spmis.gov.example', 'm-8', new Date(Date.now() + 60_000));
    expect(await replays.find({}, { _id: 0, message_id: 1 }).lean()).toEqual([{ message_id: 'm-8' }]);
  });

  it('refuses a retention shorter than the window it must cover', () => {
    expect(() => guard({ windowMs: 60 * 60 * 1000, retentionMs: 60 * 60 * 1000 })).toThrow(/retention/);
  });
});
