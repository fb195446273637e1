/** Tokens, retries, Retry-After and the circuit breaker, against the partner sandbox over real HTTP. */
import { GatewayError } from '../../src/errors';
import { byBrn, countingFetch, startWorld, World } from './world';

const SEARCH = '/crvs/registry/sync/search';

describe('DCI client transport (sandbox)', () => {
  let w: World;
  let brn: string;
  beforeAll(async () => {
    w = await startWorld();
    brn = w.sandbox.data.births[0].brn;
    // The sandbox's first JWKS fetch of our keys is not shared by concurrent requests (reported):
    // one call first, so it knows our key before the concurrency test.
    await w.client().search([byBrn(brn)]);
  });
  afterAll(async () => {
    await w?.stop();
  });

  const searchCalls = () => w.sandbox.calls('crvs').filter((c) => c.path === SEARCH);
  const statusesSince = (before: number) => searchCalls().slice(before).map((c) => c.status);
  const failure = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a failure'); }, (error: unknown) => error as GatewayError);

  it('fetches one OAuth2 token for many calls, concurrent ones included', async () => {
    const tokens = countingFetch(w.sandbox.oauth.tokenUrl);
    const client = w.client({}, { fetch: tokens.fetch });
    const results = await Promise.all([client.search([byBrn(brn)]), client.search([byBrn(brn)]), client.search([byBrn(brn)])]);
    await client.search([byBrn(brn)]);
    expect(results.map((r) => r[0].status)).toEqual(['succ', 'succ', 'succ']);
    expect(tokens.count()).toBe(1);
  });

  it('refreshes the token once when the registry answers 401, and the call succeeds', async () => {
    const tokens = countingFetch(w.sandbox.oauth.tokenUrl);
    const client = w.client({}, { fetch: tokens.fetch });
    await client.search([byBrn(brn)]);
    w.sandbox.faults.expireTokens();
    const before = searchCalls().length;
    const [item] = await client.search([byBrn(brn)]);
    expect(item.status).toBe('succ');
    expect(statusesSince(before)).toEqual([401, 200]);
    expect(tokens.count()).toBe(2);
  });

  it('sends the credentials with HTTP Basic when the data source says so', async () => {
    const client = w.client({ auth: { ...(w.crvsSource().auth as any), credentialLocation: 'basic' } });
    expect((await client.search([byBrn(brn)]))[0].status).toBe('succ');
  });

  it('a wrong client secret is UNAVAILABLE (TOKEN_REFUSED), never sent to the registry', async () => {
    const client = w.client({ auth: { ...(w.crvsSource().auth as any), clientSecret: 'wrong' } });
    const before = searchCalls().length;
    const error = await failure(client.search([byBrn(brn)]));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'TOKEN_REFUSED' } });
    expect(searchCalls().length).toBe(before);
  });

  it('retries 5xx with backoff until the registry answers', async () => {
    const client = w.client();
    const before = searchCalls().length;
    w.sandbox.faults.failNext('crvs', 2, 503);
    expect((await client.search([byBrn(brn)]))[0].status).toBe('succ');
    expect(statusesSince(before)).toEqual([503, 503, 200]);
  });

  it('gives up after the last attempt with UNAVAILABLE', async () => {
    const client = w.client();
    const before = searchCalls().length;
    w.sandbox.faults.failNext('crvs', 4, 500);
    expect(await failure(client.search([byBrn(brn)]))).toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'PARTNER_ERROR', httpStatus: 500 } });
    expect(statusesSince(before)).toEqual([500, 500, 500, 500]);
  });

  it('does not retry a 400: the registry refused the request itself', async () => {
    const client = w.client();
    const before = searchCalls().length;
    w.sandbox.faults.failNext('crvs', 1, 400);
    expect(await failure(client.search([byBrn(brn)]))).toMatchObject({ code: 'BAD_USER_INPUT', details: { reason: 'PARTNER_REFUSED_REQUEST', partnerCode: 'err.request.bad' } });
    expect(statusesSince(before)).toEqual([400]);
  });

  it('retries a call that timed out', async () => {
    const client = w.client({ timeoutMs: 300 });
    const before = searchCalls().length;
    w.sandbox.faults.delayNext('crvs', 1, 1000);
    expect((await client.search([byBrn(brn)]))[0].status).toBe('succ');
    expect(searchCalls().length - before).toBe(2);
  });

  it('honours Retry-After on 429 and 503', async () => {
    const client = w.client();
    w.sandbox.faults.retryAfterNext('crvs', 1, 1, 429);
    let started = Date.now();
    expect((await client.search([byBrn(brn)]))[0].status).toBe('succ');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    w.sandbox.faults.retryAfterNext('crvs', 1, 1, 503);
    started = Date.now();
    expect((await client.search([byBrn(brn)]))[0].status).toBe('succ');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('does not wait for a Retry-After beyond its limit: RATE_LIMITED at once', async () => {
    const client = w.client();
    const before = searchCalls().length;
    w.sandbox.faults.retryAfterNext('crvs', 1, 600, 429);
    expect(await failure(client.search([byBrn(brn)]))).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 600 } });
    expect(searchCalls().length - before).toBe(1);
  });

  it('opens the circuit after consecutive failures, fails fast, and closes once the registry is back', async () => {
    const client = w.client({ breakerCoolDownMs: 400 }, { retry: { maxAttempts: 1, backoff: { baseMs: 10, maxMs: 10 }, maxRetryAfterMs: 0 }, circuit: { failureThreshold: 2 } });
    await client.search([byBrn(brn)]); // token fetched while the registry is up
    w.sandbox.faults.down('crvs', true);
    try {
      for (let i = 0; i < 2; i++) expect(await failure(client.search([byBrn(brn)]))).toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'UNREACHABLE' } });
      expect(client.breaker.state()).toBe('open');
      const before = searchCalls().length;
      expect(await failure(client.search([byBrn(brn)]))).toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'CIRCUIT_OPEN' } });
      expect(searchCalls().length).toBe(before);
    } finally {
      w.sandbox.faults.down('crvs', false);
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(client.breaker.state()).toBe('half-open');
    expect((await client.search([byBrn(brn)]))[0].status).toBe('succ');
    expect(client.breaker.state()).toBe('closed');
  });

  it('a call whose retries the breaker cuts short reports its own failure, not CIRCUIT_OPEN', async () => {
    const client = w.client({}, { retry: { maxAttempts: 4, backoff: { baseMs: 10, maxMs: 10 }, maxRetryAfterMs: 0 }, circuit: { failureThreshold: 3 } });
    await client.search([byBrn(brn)]); // token fetched while the registry is up
    w.sandbox.faults.down('crvs', true);
    try {
      const failures = await Promise.all([failure(client.search([byBrn(brn)])), failure(client.search([byBrn(brn)]))]);
      expect(failures).toEqual([expect.objectContaining({ details: expect.objectContaining({ reason: 'UNREACHABLE' }) }), expect.objectContaining({ details: expect.objectContaining({ reason: 'UNREACHABLE' }) })]);
      expect(client.breaker.state()).toBe('open');
      expect(await failure(client.search([byBrn(brn)]))).toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'CIRCUIT_OPEN' } });
    } finally {
      w.sandbox.faults.down('crvs', false);
    }
  });
});
