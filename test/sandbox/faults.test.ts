import { startSandbox, Sandbox } from '../../adapters/dci/sandbox';
import { GatewayDouble, sandboxToken, searchItem, send, startGatewayDouble, verifySandboxSignature } from './support';

describe('sandbox faults', () => {
  let sandbox: Sandbox;
  let gateway: GatewayDouble;
  let token: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ births: 20 });
    gateway = await startGatewayDouble();
    sandbox.connectGateway(gateway.config());
    token = await sandboxToken(sandbox);
  });
  afterAll(async () => {
    await sandbox.stop();
    await gateway.close();
  });

  const crvsSearch = () =>
    send(sandbox.registries.crvs.baseUrl, '/registry/sync/search', 'search', { transaction_id: 'T-f', search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'BRN', value: sandbox.data.births[0].brn } })] }, gateway.key, token);
  const drDisabled = () =>
    send(sandbox.registries.dr.baseUrl, '/registry/sync/disabled', 'search', { transaction_id: 'T-f', disabled_criteria: { query: { person_identifier: { eq: '1100000001' } } } }, gateway.key, token);

  it('fails the next n requests of one registry with the given status, then recovers', async () => {
    sandbox.faults.failNext('crvs', 2, 503);
    const first = await crvsSearch();
    expect(first.status).toBe(503);
    expect(first.body).toEqual({ errors: [{ code: 'err.service.unavailable', message: expect.any(String) }] });
    expect((await drDisabled()).status).toBe(200); // other registries are unaffected
    expect((await crvsSearch()).status).toBe(503);
    expect((await crvsSearch()).status).toBe(200);
    sandbox.faults.failNext('crvs', 1);
    expect((await crvsSearch()).status).toBe(500);
    expect(sandbox.calls('crvs').slice(-4).map((c) => c.status)).toEqual([503, 503, 200, 500]);
  });

  it('records every call per registry with its path and status', async () => {
    const before = sandbox.calls('dr').length;
    await drDisabled();
    const [last] = sandbox.calls('dr').slice(before);
    expect(last).toEqual({ path: '/dr/registry/sync/disabled', at: expect.any(Date), status: 200 });
    expect(sandbox.calls().length).toBeGreaterThan(sandbox.calls('dr').length);
  });

  it('delays the next n requests', async () => {
    sandbox.faults.delayNext('dr', 1, 400);
    let started = Date.now();
    expect((await drDisabled()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    started = Date.now();
    await drDisabled();
    expect(Date.now() - started).toBeLessThan(390);
  });

  it('signs the next n responses with a signature that does not verify', async () => {
    sandbox.faults.badSignatureNext('crvs', 1);
    const bad = await crvsSearch();
    expect(bad.status).toBe(200);
    expect(await verifySandboxSignature(sandbox.registries.crvs.jwksUrl, bad.body, bad.raw)).toEqual({ ok: false, reason: 'err.signature.invalid' });
    const good = await crvsSearch();
    expect(await verifySandboxSignature(sandbox.registries.crvs.jwksUrl, good.body, good.raw)).toMatchObject({ ok: true });
  });

  it('answers 429 or 503 with Retry-After', async () => {
    sandbox.faults.retryAfterNext('ibr', 1, 7);
    sandbox.faults.retryAfterNext('ibr', 1, 3, 503);
    const enrolled = () => send(sandbox.registries.ibr.baseUrl, '/registry/sync/enrolled', 'search', { transaction_id: 'T-r', enrolled_criteria: { query: { person_identifier: { eq: '1100000001' } } } }, gateway.key, token);
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
    sandbox.faults.down('crvs', true);
    await expect(crvsSearch()).rejects.toThrow();
    await expect(fetch(sandbox.registries.crvs.jwksUrl)).rejects.toThrow();
    expect((await drDisabled()).status).toBe(200);
    sandbox.faults.down('crvs', false);
    expect((await crvsSearch()).status).toBe(200);
  });
});
