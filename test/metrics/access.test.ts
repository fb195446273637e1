/** GET /metrics: operators' user tokens with metrics:read only, and an answer even without the database. */
import { registerPartner } from '../support/dciPartner';
import { startTestGateway, useTestGateway } from '../support/gateway';
import { scrape } from './scrape';

const bearer = (token: string) => `Bearer ${token}`;

describe('GET /metrics access', () => {
  const t = useTestGateway();

  const refusal = async (authorization?: string) => {
    const res = await scrape(t.url, authorization);
    return { status: res.status, code: (JSON.parse(res.text) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code };
  };

  it('is 401 UNAUTHENTICATED without a token, with another scheme, and with a token that does not verify', async () => {
    expect(await refusal()).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await refusal('Basic dXNlcjpwYXNz')).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await refusal(bearer('not.a.jwt'))).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('is 403 FORBIDDEN for a user token without metrics:read', async () => {
    expect(await refusal(bearer(await t.token(['registry:read', 'registry:pii', 'partners:admin'])))).toEqual({ status: 403, code: 'FORBIDDEN' });
  });

  it('is 403 FORBIDDEN for partner tokens, even one carrying metrics:read', async () => {
    const partner = await registerPartner(t.gateway, { senderId: 'metrics-access.example.org', callbackBase: 'https://metrics-access.example.org/dci' });
    expect(await refusal(bearer(await partner.token()))).toEqual({ status: 403, code: 'FORBIDDEN' });
    // The token endpoint never grants it; only our own key could mint such a token.
    const forged = await t.gateway.tokens.issue({ subject: partner.clientId, scopes: ['metrics:read'], kind: 'partner', partnerId: partner.senderId, ttlSeconds: 600 });
    expect(await refusal(bearer(forged))).toEqual({ status: 403, code: 'FORBIDDEN' });
  });

  it('answers an operator with the text exposition, process metrics under the dci_gateway_ prefix', async () => {
    const res = await scrape(t.url, bearer(await t.token(['metrics:read'])));
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.value('dci_gateway_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(res.value('dci_gateway_nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(res.samples.every((s) => s.name.startsWith('dci_gateway_'))).toBe(true);
    expect(res.value('dci_gateway_database_up')).toBe(1);
    expect(res.value('dci_gateway_jobs', { kind: 'dci.callback', state: 'failed' })).toBe(0);
  });

  it('counts its own scrapes and refusals by route group and status', async () => {
    const token = bearer(await t.token(['metrics:read']));
    const before = await scrape(t.url, token);
    await refusal();
    const after = await scrape(t.url, token);
    const delta = (status: string) =>
      after.value('dci_gateway_http_requests_total', { route: 'metrics', method: 'GET', status })! - (before.value('dci_gateway_http_requests_total', { route: 'metrics', method: 'GET', status }) ?? 0);
    expect({ ok: delta('200'), refused: delta('401') }).toEqual({ ok: 1, refused: 1 });
  });
});

describe('GET /metrics without the database', () => {
  const t = useTestGateway();

  it('still answers: no job gauge, dci_gateway_database_up 0', async () => {
    const token = bearer(await t.token(['metrics:read']));
    await t.pauseBackgroundWork(); // its pollers would otherwise queue up behind the dead database
    await t.gateway.store.engine!.stop();
    const res = await scrape(t.url, token);
    expect(res.status).toBe(200);
    expect(res.value('dci_gateway_database_up')).toBe(0);
    expect(res.samples.filter((s) => s.name === 'dci_gateway_jobs')).toEqual([]);
    expect(res.value('dci_gateway_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    // The database really is down; waiting for it to say so also outlasts the read the scrape gave up on.
    await expect(t.gateway.models.Individual.estimatedDocumentCount()).rejects.toThrow();
  });
});

it('keeps one registry per gateway: two gateways in one process count apart', async () => {
  const [a, b] = [await startTestGateway(), await startTestGateway()];
  try {
    await a.gql('{ individuals(first: 1) { totalCount } }', {}, await a.token(['registry:read']));
    const labels = { type: 'query', outcome: 'ok' };
    expect((await scrape(a.url, bearer(await a.token(['metrics:read'])))).value('dci_gateway_graphql_operations_total', labels)).toBe(1);
    expect((await scrape(b.url, bearer(await b.token(['metrics:read'])))).value('dci_gateway_graphql_operations_total', labels)).toBeUndefined();
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});
