import { searchItem, send, useConnectedSandbox, verifySandboxSignature } from './support';

describe('sandbox faults', () => {
  const w = useConnectedSandbox({ births: 20 });

  const crvsSearch = () =>
    send(w.sandbox.registries.crvs.baseUrl, '/registry/sync/search', 'search', { transaction_id: 'T-f', search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'BRN', value: w.sandbox.data.births[0].brn } })] }, w.gateway.key, w.token);
  const drDisabled = () =>
    send(w.sandbox.registries.dr.baseUrl, '/registry/sync/disabled', 'search', { transaction_id: 'T-f', disabled_criteria: { query: { person_identifier: { eq: '1100000001' } } } }, w.gateway.key, w.token);

  it('fails the next n requests of one registry with the given status, then recovers', async () => {
    w.sandbox.faults.failNext('crvs', 2, 503);
    const first = await crvsSearch();
    expect(first.status).toBe(503);
    expect(first.body).toEqual({ errors: [{ code: 'err.service.unavailable', message: expect.any(String) }] });
    expect((await drDisabled()).status).toBe(200); // other registries are unaffected
    expect((await crvsSearch()).status).toBe(503);
    expect((await crvsSearch()).status).toBe(200);
    w.sandbox.faults.failNext('crvs', 1);
    expect((await crvsSearch()).status).toBe(500);
    expect(w.sandbox.calls('crvs').slice(-4).map((c) => c.status)).toEqual([503, 503, 200, 500]);
  });

  it('records every call per registry with its path and status', async () => {
    const before = w.sandbox.calls('dr').length;
    await drDisabled();
    const [last] = w.sandbox.calls('dr').slice(before);
    expect(last).toEqual({ path: '/dr/registry/sync/disabled', at: expect.any(Date), status: 200 });
    expect(w.sandbox.calls().length).toBeGreaterThan(w.sandbox.calls('dr').length);
  });

  it('delays the next n requests', async () => {
    w.sandbox.faults.delayNext('dr', 1, 400);
    // A lower bound only: the delay cannot make the answer come sooner, whatever the machine's load.
    const started = Date.now();
    expect((await drDisabled()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect((await drDisabled()).status).toBe(200);
  });

  it('signs the next n responses with a signature that does not verify', async () => {
    w.sandbox.faults.badSignatureNext('crvs', 1);
    const bad = await crvsSearch();
    expect(bad.status).toBe(200);
    expect(await verifySandboxSignature(w.sandbox.registries.crvs.jwksUrl, bad.body, bad.raw)).toEqual({ ok: false, reason: 'err.signature.invalid' });
    const good = await crvsSearch();
    expect(await verifySandboxSignature(w.sandbox.registries.crvs.jwksUrl, good.body, good.raw)).toMatchObject({ ok: true });
  });

  it('answers 429 or 503 with Retry-After', async () => {
    w.sandbox.faults.retryAfterNext('ibr', 1, 7);
    w.sandbox.faults.retryAfterNext('ibr', 1, 3, 503);
    const enrolled = () => send(w.sandbox.registries.ibr.baseUrl, '/registry/sync/enrolled', 'search', { transaction_id: 'T-r', enrolled_criteria: { query: { person_identifier: { eq: '1100000001' } } } }, w.gateway.key, w.token);
    const throttled = await enrolled();
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    expect(throttled.body.errors[0].code).toBe('err.request.too_many_requests');
    const unavailable = await enrolled();
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('3');
    expect((await enrolled()).status).toBe(200);
  });

  it('drops every connection of a registry that is down, JWKS included, until it is up again', async () => {
    w.sandbox.faults.down('crvs', true);
    await expect(crvsSearch()).rejects.toThrow();
    await expect(fetch(w.sandbox.registries.crvs.jwksUrl)).rejects.toThrow();
    expect((await drDisabled()).status).toBe(200);
    w.sandbox.faults.down('crvs', false);
    expect((await crvsSearch()).status).toBe(200);
  });
});
