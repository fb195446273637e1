/**
 * Partners' rate limits hold across gateway instances: the counters are in the database, so two
 * gateways on one database admit no more than the limit together, and refuse the rest with 429
 * `err.request.too_many_requests` and a Retry-After header.
 */
import mongoose from 'mongoose';
import { newHeader, signingProfile } from '../../adapters/dci/protocol';
import { SharedRateLimiter } from '../../src/partners/sharedRateLimiter';
import { startTestGateway, TestGateway } from '../support/gateway';
import { registerPartner, TestPartner } from '../support/dciPartner';
import { startTestStore, TestStore } from '../support/store';
import { otherConnection } from '../jobs/support';

jest.setTimeout(120_000);

/**
 * Waits for a fresh minute when too little of this one is left for the test, so that its requests
 * all fall in one window (a window ending mid-test would rightly admit more). At most 20 s.
 */
async function withinOneWindow(secondsNeeded = 20): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < secondsNeeded * 1000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

describe('SharedRateLimiter on the real engine', () => {
  let store: TestStore;
  let second: mongoose.Connection;

  beforeAll(async () => {
    store = await startTestStore();
    second = await otherConnection(store);
  });
  afterAll(async () => {
    await second?.close();
    await store?.close();
  });

  it('admits exactly the limit among concurrent requests from two processes', async () => {
    const limiters = [new SharedRateLimiter(store.connection), new SharedRateLimiter(second)];
    await withinOneWindow();
    const decisions = await Promise.all(Array.from({ length: 30 }, (_, i) => limiters[i % 2].take('concurrent.example.org', 12)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(12);
    const refused = decisions.filter((d) => !d.allowed);
    expect(refused).toHaveLength(18);
    for (const d of refused) expect(d.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    for (const d of refused) expect(d.retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('hands out a larger limit in blocks, still exactly the limit between two processes taking turns', async () => {
    const limiters = [new SharedRateLimiter(store.connection), new SharedRateLimiter(second)];
    await withinOneWindow();
    let allowed = 0;
    for (let i = 0; i < 60; i++) if ((await limiters[i % 2].take('blocks.example.org', 40)).allowed) allowed += 1;
    expect(allowed).toBe(40);
    // 20 blocks of 2 requests and the window's hint: one write per block, not one per request.
    const ids = (await store.connection.collection('rate_windows').find({}, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id));
    expect(ids.filter((id) => id.startsWith('blocks.example.org|'))).toHaveLength(21);
  });

  it('admits no more than the limit in a burst of blocks from two processes', async () => {
    const limiters = [new SharedRateLimiter(store.connection), new SharedRateLimiter(second)];
    await withinOneWindow();
    const decisions = await Promise.all(Array.from({ length: 90 }, (_, i) => limiters[i % 2].take('burst.example.org', 60)));
    const allowed = decisions.filter((d) => d.allowed).length;
    expect(allowed).toBeLessThanOrEqual(60);
    // At most a block (3 requests) per process left unused by requests already refused.
    expect(allowed).toBeGreaterThanOrEqual(54);
  });

  it('keeps partners apart and starts each minute afresh', async () => {
    let clock = Date.UTC(2026, 0, 1, 12, 0, 5);
    const limiter = new SharedRateLimiter(store.connection, () => clock);
    expect((await limiter.take('a.example.org', 1)).allowed).toBe(true);
    expect(await limiter.take('a.example.org', 1)).toEqual({ allowed: false, retryAfterSeconds: 55 });
    expect((await limiter.take('b.example.org', 1)).allowed).toBe(true);
    clock += 55_000;
    expect((await limiter.take('a.example.org', 1)).allowed).toBe(true);
  });
});

describe('two gateways on one database (end to end)', () => {
  let first: TestGateway;
  let second: TestGateway;
  let partner: TestPartner;
  const LIMIT = 4;

  beforeAll(async () => {
    first = await startTestGateway();
    second = await startTestGateway({ MONGODB_URI: first.gateway.store.engine!.uri });
    partner = await registerPartner(first.gateway, { senderId: 'limited.mis.example.org', callbackBase: 'http://127.0.0.1:9/dci', rateLimitPerMinute: LIMIT });
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  /** A signed sync txn-status (cheap to answer) to one gateway, with a token of that gateway. */
  async function statusVia(gateway: TestGateway, n: number) {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: partner.clientId, client_secret: partner.clientSecret });
    const token = ((await (await fetch(`${gateway.url}/oauth2/client/token`, { method: 'POST', body: form })).json()) as { access_token: string }).access_token;
    const header = newHeader({ senderId: partner.senderId, receiverId: 'dci-gateway', action: 'txn-status', totalCount: 1 });
    const message = { transaction_id: `limited-${n}`, txnstatus_request: { reference_id: `ref-${n}`, txn_type: 'search', attribute_type: 'transaction_id', attribute_value: 'none' } };
    const signed = await signingProfile('default').sign({ header, message }, partner.key);
    const res = await fetch(`${gateway.url}/dci/registry/sync/txn/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...signed.headers },
      body: signed.rawBody,
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
  }

  it('enforces one limit together, refusing the rest with 429 and Retry-After', async () => {
    await withinOneWindow();
    const answers = [];
    for (let n = 0; n < LIMIT + 2; n++) answers.push(await statusVia(n % 2 === 0 ? first : second, n));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 429, 429]);
    for (const refused of answers.slice(LIMIT)) {
      expect(refused.body.message).toMatchObject({ ack_status: 'ERR', error: { code: 'err.request.too_many_requests' } });
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
    }
  });
});
