/** The partner registry service against the real embedded engine. */
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { GatewayError } from '../../src/errors';
import { createLogger } from '../../src/log';
import {
  authenticateClient,
  createPartner,
  disablePartner,
  findBySenderId,
  listPartners,
  partnerDisclosure,
  partnerKeyResolver,
  PartnerRateLimiter,
  publicPartner,
  rotateClientSecret,
  updatePartner,
  warnUnsignedPartners,
} from '../../src/partners';
import { registryModels, RegistryModels, syncIndexes } from '../../src/store/models';
import { DEFAULT_QUERY_ATTRIBUTES } from '../../src/store/models/partner';
import { FULL_DISCLOSURE, MASKED_DISCLOSURE } from '../../adapters/dci/server/disclosure';
import { startTestStore, TestStore } from '../support/store';
import { ed25519Jwk } from './fixtures';

const silent = createLogger('silent');
const now = new Date('2025-06-01T10:00:00Z');

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

/** A log that records what it is given, to check what reaches the logs. */
function recordingLog() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

describe('partner registry', () => {
  let store: TestStore;
  let models: RegistryModels;

  beforeAll(async () => {
    store = await startTestStore();
    // Models first: syncIndexes creates the indexes of the models defined on the connection.
    models = registryModels(store.connection);
    await syncIndexes(store.connection);
  });
  afterAll(async () => {
    await store?.close();
  });

  const base = (senderId: string) => ({ senderId, publicKeys: [ed25519Jwk(`${senderId}-k1`)], callbackBase: 'https://partner.example.org/dci' });

  it('creates a partner with defaults and a one-time secret that is stored only as a salted scrypt hash', async () => {
    const { partner, clientId, clientSecret } = await createPartner(models, base('crvs.example'), now);
    expect(partner).toMatchObject({
      senderId: 'crvs.example',
      displayName: 'crvs.example',
      status: 'active',
      signingProfile: 'default',
      callbackBase: 'https://partner.example.org/dci',
      clientId,
      scopes: ['dci:search'],
      queryAttributes: [...DEFAULT_QUERY_ATTRIBUTES],
      disclosure: MASKED_DISCLOSURE,
      rateLimitPerMinute: 600,
      createdAt: now,
      updatedAt: now,
    });
    expect(clientSecret.length).toBeGreaterThanOrEqual(40);

    const raw = await models.Partner.collection.findOne({ senderId: 'crvs.example' });
    expect(JSON.stringify(raw)).not.toContain(clientSecret);
    expect(raw!.clientSecretHash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(raw!.publicKeys[0]).not.toHaveProperty('d');

    // Same secret, another partner: a different salt, so a different hash.
    const other = await createPartner(models, base('crvs2.example'), now);
    const otherRaw = await models.Partner.collection.findOne({ senderId: 'crvs2.example' });
    expect(other.clientId).not.toBe(clientId);
    expect(otherRaw!.clientSecretHash.split('$')[4]).not.toBe(raw!.clientSecretHash.split('$')[4]);

    expect(await authenticateClient(models, clientId, clientSecret)).toMatchObject({ senderId: 'crvs.example' });
    expect(await authenticateClient(models, clientId, other.clientSecret)).toBeUndefined();
    expect(await authenticateClient(models, 'no-such-client', clientSecret)).toBeUndefined();
    expect(await authenticateClient(models, clientId, '')).toBeUndefined();
  });

  it('never shows the secret hash in the public view', async () => {
    const partner = await findBySenderId(models, 'crvs.example');
    const view = publicPartner(partner!);
    expect(view).not.toHaveProperty('clientSecretHash');
    expect(view.id).toMatch(/^[0-9a-f]{24}$/);
  });

  it('refuses a second partner with the same sender id (CONFLICT, DUPLICATE_PARTNER)', async () => {
    const error = await rejection(createPartner(models, base('crvs.example'), now));
    expect(error).toMatchObject({ code: 'CONFLICT', details: { reason: 'DUPLICATE_PARTNER' } });
  });

  it('lets only one of two simultaneous registrations of a sender id through (unique index)', async () => {
    const results = await Promise.allSettled([createPartner(models, base('race.example'), now), createPartner(models, base('race.example'), now)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason;
    expect(failure).toMatchObject({ code: 'CONFLICT', details: { reason: 'DUPLICATE_PARTNER' } });
    await models.Partner.deleteOne({ senderId: 'race.example' });
  });

  it('refuses bad input, naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ senderId: 'bad|sender' }, 'senderId'],
      [{ callbackBase: 'http://partner.example.org/dci' }, 'callbackBase'],
      [{ callbackBase: 'https://user:pw@partner.example.org' }, 'callbackBase'],
      [{ callbackBase: 'not a url' }, 'callbackBase'],
      [{ scopes: ['registry:read'] }, 'scopes[0]'],
      [{ scopes: [] }, 'scopes'],
      [{ signingProfile: 'rsa-sha1' }, 'signingProfile'],
      [{ publicKeys: [] }, 'publicKeys'],
      [{ publicKeys: [{ ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }), kid: 'p' }] }, 'publicKeys[0]'],
      [{ publicKeys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }] }, 'publicKeys[0].kid'],
      [{ publicKeys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AAAA', kid: 'k' }] }, 'publicKeys[0]'],
      [{ publicKeys: [ed25519Jwk('same'), ed25519Jwk('same')] }, 'publicKeys[1].kid'],
      [{ publicKeys: [], jwksUrl: 'http://keys.example.org/jwks.json' }, 'jwksUrl'],
      [{ queryAttributes: ['birth.date'] }, 'queryAttributes[0]'],
      [{ rateLimitPerMinute: 0 }, 'rateLimitPerMinute'],
    ];
    for (const [change, field] of cases) {
      const error = await rejection(createPartner(models, { ...base('bad.example'), ...change } as never, now));
      expect({ field, error }).toMatchObject({ field, error: { code: 'BAD_USER_INPUT', details: { field } } });
    }
    expect(await findBySenderId(models, 'bad.example')).toBeNull();
  });

  it('accepts http for loopback hosts only, and the none profile only when asked for', async () => {
    const { partner } = await createPartner(
      models,
      { senderId: 'local.dev', signingProfile: 'none', callbackBase: 'http://127.0.0.1:9000/cb', jwksUrl: 'http://localhost:9001/jwks' },
      now,
    );
    expect(partner).toMatchObject({ signingProfile: 'none', callbackBase: 'http://127.0.0.1:9000/cb', publicKeys: [] });
    const { log, lines } = recordingLog();
    expect(await warnUnsignedPartners(models, log)).toBe(1);
    expect(lines).toEqual([expect.objectContaining({ level: 40, senderId: 'local.dev', msg: expect.stringContaining('unsigned') })]);
    await disablePartner(models, 'local.dev', now);
    expect(await warnUnsignedPartners(models, log)).toBe(0);
  });

  it('lists partners by sender id, disables idempotently, and refuses disabled clients', async () => {
    const { clientId, clientSecret } = await createPartner(models, base('ibr.example'), now);
    expect((await listPartners(models)).map((p) => p.senderId)).toEqual(['crvs.example', 'crvs2.example', 'ibr.example', 'local.dev']);

    const later = new Date(now.getTime() + 60_000);
    expect(await disablePartner(models, 'ibr.example', later)).toMatchObject({ status: 'disabled', updatedAt: later });
    expect(await disablePartner(models, 'ibr.example', new Date(later.getTime() + 1))).toMatchObject({ status: 'disabled', updatedAt: later });
    expect(await authenticateClient(models, clientId, clientSecret)).toBeUndefined();
    expect(await rejection(disablePartner(models, 'nobody', now))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('updates fields, keeps the key rule, and re-enables', async () => {
    const later = new Date(now.getTime() + 120_000);
    const updated = await updatePartner(
      models,
      'ibr.example',
      { status: 'active', scopes: ['dci:search', 'dci:subscribe', 'dci:search'], pii: true, jwksUrl: 'https://keys.example.org/jwks.json' },
      later,
    );
    expect(updated).toMatchObject({ status: 'active', scopes: ['dci:search', 'dci:subscribe'], disclosure: FULL_DISCLOSURE, jwksUrl: 'https://keys.example.org/jwks.json', updatedAt: later });
    expect(await rejection(updatePartner(models, 'ibr.example', { publicKeys: [], jwksUrl: null }, later))).toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field: 'publicKeys' },
    });
    const unpinned = await updatePartner(models, 'ibr.example', { publicKeys: [] }, later);
    expect(unpinned).toMatchObject({ publicKeys: [], jwksUrl: 'https://keys.example.org/jwks.json' });
    expect(await rejection(updatePartner(models, 'nobody', {}, later))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('rotates the client secret: the old one stops working', async () => {
    const { clientId, clientSecret } = await createPartner(models, base('dr.example'), now);
    const rotated = await rotateClientSecret(models, 'dr.example', now);
    expect(rotated.clientId).toBe(clientId);
    expect(rotated.clientSecret).not.toBe(clientSecret);
    expect(await authenticateClient(models, clientId, clientSecret)).toBeUndefined();
    expect(await authenticateClient(models, clientId, rotated.clientSecret)).toMatchObject({ senderId: 'dr.example' });
  });

  it('reads a partner stored with the older pii flag as the disclosure that flag gave, and drops the flag once it has a profile', async () => {
    expect(partnerDisclosure({ pii: false })).toEqual(MASKED_DISCLOSURE);
    expect(partnerDisclosure({ pii: true })).toEqual(FULL_DISCLOSURE);
    expect(partnerDisclosure({})).toEqual(MASKED_DISCLOSURE);
    await createPartner(models, base('legacy.example'), now);
    await models.Partner.collection.updateOne({ senderId: 'legacy.example' }, { $set: { pii: true }, $unset: { disclosure: '' } });
    const stored = await models.Partner.findOne({ senderId: 'legacy.example' }).lean();
    expect(partnerDisclosure(stored!)).toEqual(FULL_DISCLOSURE);
    const updated = await updatePartner(models, 'legacy.example', { disclosure: { email: 'omitted' } }, now);
    expect(updated.disclosure).toEqual({ ...FULL_DISCLOSURE, email: 'omitted' });
    expect(await models.Partner.collection.findOne({ senderId: 'legacy.example' })).not.toHaveProperty('pii');
  });

  it('takes a disclosure field by field over its starting point, and refuses what is not a level or names a type twice', async () => {
    const { partner } = await createPartner(models, { ...base('profiled.example'), disclosure: { names: 'omitted', identifierTypes: [{ type: 'UIN', level: 'given' }] } }, now);
    expect(partner.disclosure).toEqual({ ...MASKED_DISCLOSURE, names: 'omitted', identifierTypes: [{ type: 'UIN', level: 'given' }] });
    const full = await updatePartner(models, 'profiled.example', { pii: true, disclosure: { phone: 'masked' } }, now);
    expect(full.disclosure).toEqual({ ...FULL_DISCLOSURE, phone: 'masked' });
    expect(await rejection(updatePartner(models, 'profiled.example', { disclosure: { sex: 'hidden' } }, now))).toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field: 'disclosure.sex' },
    });
    const twice = { identifierTypes: [{ type: 'UIN', level: 'given' }, { type: 'UIN', level: 'omitted' }] };
    expect(await rejection(updatePartner(models, 'profiled.example', { disclosure: twice }, now))).toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field: 'disclosure.identifierTypes[1].type' },
    });
  });

  describe('key resolver', () => {
    let server: http.Server;
    let jwksUrl: string;
    let fetches = 0;
    let served: { status: number; body: unknown } = { status: 200, body: { keys: [] } };
    const remote = [ed25519Jwk('r1'), ed25519Jwk('r2')];

    beforeAll(async () => {
      server = http.createServer((_req, res) => {
        fetches += 1;
        res.writeHead(served.status, { 'content-type': 'application/json' }).end(JSON.stringify(served.body));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
      await createPartner(models, { senderId: 'remote.example', jwksUrl, callbackBase: 'https://remote.example.org/cb' }, now);
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('returns pinned keys, filtered by kid; unknown or disabled senders get none', async () => {
      const resolve = partnerKeyResolver(models, { cacheTtlMs: 60_000, log: silent });
      const pinned = await resolve('crvs.example', undefined);
      expect(pinned).toEqual([{ kid: 'crvs.example-k1', jwk: expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', kid: 'crvs.example-k1' }) }]);
      expect(await resolve('crvs.example', 'crvs.example-k1')).toHaveLength(1);
      expect(await resolve('crvs.example', 'other')).toEqual([]);
      expect(await resolve('nobody', undefined)).toEqual([]);
      await disablePartner(models, 'crvs2.example', now);
      expect(await resolve('crvs2.example', undefined)).toEqual([]);
    });

    it('fetches the JWKS URL once and serves later lookups from the cache', async () => {
      served = { status: 200, body: { keys: [...remote, { kty: 'OKP', crv: 'Ed25519', x: 'broken', kid: 'bad' }] } };
      fetches = 0;
      let clock = 1_000_000;
      const resolve = partnerKeyResolver(models, { cacheTtlMs: 60_000, log: silent, now: () => clock });

      expect((await resolve('remote.example', undefined)).map((k) => k.kid)).toEqual(['r1', 'r2']);
      expect(await resolve('remote.example', 'r2')).toEqual([{ kid: 'r2', jwk: expect.objectContaining({ x: remote[1].x }) }]);
      expect(fetches).toBe(1);

      clock += 60_000;
      await resolve('remote.example', 'r1');
      expect(fetches).toBe(2);
    });

    it('looks again for an unseen kid, but not more than once per refetch interval', async () => {
      served = { status: 200, body: { keys: remote } };
      fetches = 0;
      let clock = 1_000_000;
      const resolve = partnerKeyResolver(models, { cacheTtlMs: 600_000, refetchAfterMs: 30_000, log: silent, now: () => clock });
      await resolve('remote.example', 'r1');
      expect(await resolve('remote.example', 'r3')).toEqual([]);
      expect(fetches).toBe(1);

      const rotated = ed25519Jwk('r3');
      served = { status: 200, body: { keys: [...remote, rotated] } };
      clock += 30_000;
      expect(await resolve('remote.example', 'r3')).toEqual([{ kid: 'r3', jwk: expect.objectContaining({ x: rotated.x }) }]);
      expect(fetches).toBe(2);
    });

    it('gives no keys when the fetch fails, and logs it without the query string', async () => {
      served = { status: 500, body: { error: 'down' } };
      fetches = 0;
      const { log, lines } = recordingLog();
      await updatePartner(models, 'remote.example', { jwksUrl: `${jwksUrl}?access_key=s3cret` }, now);
      const resolve = partnerKeyResolver(models, { cacheTtlMs: 60_000, log });
      expect(await resolve('remote.example', 'r1')).toEqual([]);
      expect(lines).toEqual([expect.objectContaining({ level: 40, senderId: 'remote.example', jwks: jwksUrl, reason: 'HTTP 500' })]);
      expect(JSON.stringify(lines)).not.toContain('s3cret');
    });

    it('gives up on a JWKS server that does not answer in time', async () => {
      const hanging = http.createServer(() => undefined);
      await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/jwks`;
        await updatePartner(models, 'remote.example', { jwksUrl: url }, now);
        const resolve = partnerKeyResolver(models, { cacheTtlMs: 60_000, fetchTimeoutMs: 200, log: silent });
        // Without the timeout this would hang until jest's own timeout fails the test.
        expect(await resolve('remote.example', undefined)).toEqual([]);
      } finally {
        hanging.closeAllConnections();
        await new Promise((resolve) => hanging.close(resolve));
      }
    });
  });
});

describe('PartnerRateLimiter', () => {
  it('allows a burst of a minute’s allowance, then refills at the per-minute rate', () => {
    let clock = 0;
    const limiter = new PartnerRateLimiter(() => clock);
    for (let i = 0; i < 60; i++) expect(limiter.take('a', 60).allowed).toBe(true);
    expect(limiter.take('a', 60)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take('b', 60).allowed).toBe(true);
    clock += 1000;
    expect(limiter.take('a', 60).allowed).toBe(true);
    expect(limiter.take('a', 60).allowed).toBe(false);
    clock += 5000;
    expect(limiter.take('a', 60, 5).allowed).toBe(true);
    expect(limiter.take('a', 60, 100)).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });

  it('gives back refunded requests, never beyond a full bucket', () => {
    const limiter = new PartnerRateLimiter(() => 0);
    for (let i = 0; i < 3; i++) limiter.take('a', 3);
    expect(limiter.take('a', 3).allowed).toBe(false);
    limiter.refund('a', 3);
    expect(limiter.take('a', 3).allowed).toBe(true);
    expect(limiter.take('a', 3).allowed).toBe(false);

    limiter.refund('a', 3, 10);
    expect(limiter.take('a', 3, 3).allowed).toBe(true);
    expect(limiter.take('a', 3).allowed).toBe(false);
    limiter.refund('b', 3);
    expect(limiter.take('b', 3, 4).allowed).toBe(false);
  });

  it('drops refilled buckets once it holds more than its bound, keeping those still in use', () => {
    let clock = 0;
    const limiter = new PartnerRateLimiter(() => clock, 4);
    for (const key of ['a', 'b', 'c', 'd']) limiter.take(key, 60, 60);
    clock += 30_000;
    limiter.take('a', 60, 30);
    clock += 30_000;
    // b, c and d are full again, a still lacks 30 requests.
    limiter.take('e', 60);
    expect(limiter.size).toBe(2);
    expect(limiter.take('a', 60, 31)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take('b', 60, 60).allowed).toBe(true);
  });
});
