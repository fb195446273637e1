/**
 * Request ids end to end: taken from X-Request-Id or a W3C traceparent (else generated), answered in
 * X-Request-Id, written on the request's log lines beside the DCI correlation and transaction ids,
 * carried by the jobs it queued (their retry logs with the error's message) and passed on to callbacks
 * and outbound DCI calls.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config';
import { Gateway, startGateway } from '../../src/gateway';
import { createLogger } from '../../src/log';
import { inRequestScope } from '../../src/requestScope';
import { seedRegistry, demoUin } from '../../src/registry/seed';
import { newHeader, RequestAction, signingProfile } from '../../adapters/dci/protocol';
import { registerPartner, searchItem, TestPartner } from '../support/dciPartner';
import { Receiver, startReceiver } from '../support/receiver';
import { byBrn, startWorld, World } from '../client/world';

jest.setTimeout(90_000);

type LogLine = Record<string, any>;

describe('request ids (end to end)', () => {
  let gateway: Gateway;
  let dataDir: string;
  let receiver: Receiver;
  let partner: TestPartner;
  const lines: LogLine[] = [];
  const SEED = 19;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-ids-'));
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
        done();
      },
    });
    const config = loadConfig({ NODE_ENV: 'test', EMBEDDED_ENGINE: process.env.EMBEDDED_ENGINE, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    gateway = await startGateway(config, createLogger('info', sink));
    receiver = await startReceiver();
    await seedRegistry(gateway.models, { individuals: 20, seed: SEED });
    partner = await registerPartner(gateway, { senderId: 'ids.mis.example.org', callbackBase: `${receiver.url}/dci`, pii: true });
  });
  afterAll(async () => {
    await receiver?.close();
    await gateway?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Waits for a log line matching `match`, for at most 15 s. */
  async function logLine(match: (line: LogLine) => boolean): Promise<LogLine> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const found = lines.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('no such log line within 15 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** A signed message POSTed with the given X-Request-Id. */
  async function sendWithId(path: string, action: RequestAction, message: Record<string, unknown>, requestId: string) {
    const header = newHeader({ senderId: partner.senderId, receiverId: 'dci-gateway', action, totalCount: 1 });
    const signed = await signingProfile('default').sign({ header, message }, partner.key);
    const res = await fetch(`${gateway.url}/dci${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await partner.token()}`, 'x-request-id': requestId, ...signed.headers },
      body: signed.rawBody,
    });
    return { status: res.status, requestId: res.headers.get('x-request-id'), body: (await res.json()) as any };
  }

  const health = (headers: Record<string, string>) => fetch(`${gateway.url}/healthz`, { headers });

  it('answers the caller’s X-Request-Id, else its traceparent trace id, else a new id', async () => {
    expect((await health({ 'x-request-id': 'caller-id-42' })).headers.get('x-request-id')).toBe('caller-id-42');
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect((await health({ traceparent: `00-${traceId}-00f067aa0ba902b7-01` })).headers.get('x-request-id')).toBe(traceId);
    const generated = (await health({})).headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect((await health({})).headers.get('x-request-id')).not.toBe(generated);
    // Nothing that could forge a log line or be a long blob is taken as given.
    for (const bad of ['two words', 'x'.repeat(200)]) {
      const answered = (await health({ 'x-request-id': bad })).headers.get('x-request-id');
      expect(answered).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('carries the id of an async search to its log lines, its job and its callback, with the DCI ids', async () => {
    receiver.failNext(1, 503, (p) => p === '/dci/registry/on-search');
    const requestId = 'dci-search-request-1';
    const search = {
      transaction_id: 'ids-txn-1',
      search_request: [searchItem({ query_type: 'idtype-value', query: { type: 'UIN', value: demoUin(SEED, 3) }, response_entity: 'Member' })],
    };
    const res = await sendWithId('/registry/search', 'search', search, requestId);
    expect(res.status).toBe(202);
    expect(res.requestId).toBe(requestId);
    const correlationId = res.body.message.correlation_id;

    const received = await logLine((l) => l.msg === 'DCI message received' && l.requestId === requestId);
    expect(received).toMatchObject({ correlationId, transactionId: 'ids-txn-1', senderId: partner.senderId });

    const delivered = await receiver.waitForCount((r) => r.path === '/dci/registry/on-search' && r.body?.message?.transaction_id === 'ids-txn-1', 2, 20_000);
    expect(delivered.map((r) => r.headers['x-request-id'])).toEqual([requestId, requestId]);

    const retried = await logLine((l) => l.msg === 'job attempt failed; will retry' && l.requestId === requestId);
    expect(retried).toMatchObject({ correlationId, transactionId: 'ids-txn-1', err: 'callback answered HTTP 503' });
    await logLine((l) => l.msg === 'callback delivered' && l.requestId === requestId && l.correlationId === correlationId);
    // No line of the request or its job names another request.
    const ofThisTransaction = lines.filter((l) => l.correlationId === correlationId);
    expect(new Set(ofThisTransaction.map((l) => l.requestId))).toEqual(new Set([requestId]));
  });

  it("logs who changed a partner and which fields, never the values", async () => {
    const admin = await gateway.tokens.issue({ subject: 'ops-amina', scopes: ['partners:admin'], kind: 'user', ttlSeconds: 600 });
    const jwksUrl = 'https://ids.mis.example.org/keys/2026.json';
    const res = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, 'x-request-id': 'admin-change-1' },
      body: JSON.stringify({
        query: 'mutation ($s: String!, $i: UpdatePartnerInput!) { updatePartner(senderId: $s, input: $i) { senderId } }',
        variables: { s: partner.senderId, i: { jwksUrl, rateLimitPerMinute: 900, encryptionKey: null } },
      }),
    });
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
    const line = await logLine((l) => l.msg === 'partner updated' && l.requestId === 'admin-change-1');
    expect(line).toMatchObject({ senderId: partner.senderId, by: 'ops-amina' });
    expect([...line.fields].sort()).toEqual(['encryptionKey', 'jwksUrl', 'rateLimitPerMinute']);
    expect(JSON.stringify(line)).not.toContain(jwksUrl);
  });

  it('names the request id on a refused message too', async () => {
    const res = await sendWithId('/registry/search', 'search', { transaction_id: 'ids-bad', search_request: 'nope' }, 'refused-request-1');
    expect(res.status).toBe(400);
    const refused = await logLine((l) => l.msg === 'DCI message refused' && l.requestId === 'refused-request-1');
    expect(refused.correlationId).toBe(res.body.message.correlation_id);
  });
});

describe('request ids on outbound DCI calls (sandbox)', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('passes the current request id on to the registry it calls', async () => {
    const sent: (string | null)[] = [];
    const client = w.client({}, {
      fetch: (input, init) => {
        if (String(input).endsWith('/registry/sync/search')) sent.push(new Headers(init?.headers).get('x-request-id'));
        return fetch(input, init);
      },
    });
    const brn = w.sandbox.data.births[0].brn;
    const [item] = await inRequestScope({ requestId: 'outbound-request-1' }, () => client.search([byBrn(brn)]));
    expect(item.status).toBe('succ');
    expect(sent).toEqual(['outbound-request-1']);
  });
});
