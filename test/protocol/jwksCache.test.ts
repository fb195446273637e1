/** JwksCache against a real HTTP JWKS server, with the partner-registration rule for usable keys. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { JwksCache, JwksCacheOptions } from '../../adapters/dci/protocol';
import { publicJwk } from '../../src/partners/input';
import { ed25519Jwk } from '../partners/fixtures';

type Reply = (res: http.ServerResponse) => void;
const json =
  (body: unknown, status = 200): Reply =>
  (res) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  };

describe('JwksCache', () => {
  let server: http.Server;
  let url: string;
  let fetches: number;
  let reply: Reply;
  let clock: number;
  let failures: string[];
  const k1 = ed25519Jwk('k1');
  const k2 = ed25519Jwk('k2');

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/elsewhere') return json({ keys: [k1] })(res);
      fetches += 1;
      reply(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    fetches = 0;
    reply = json({ keys: [k1, k2] });
    clock = 1_000_000;
    failures = [];
  });

  const cache = (opts: Partial<JwksCacheOptions> = {}) =>
    new JwksCache(url, { ttlMs: 60_000, refetchAfterMs: 30_000, timeoutMs: 5000, publicJwk, onFetchFailed: (reason) => failures.push(reason), now: () => clock, ...opts });
  const kids = async (jwks: JwksCache, keyId?: string) => (await jwks.keys(keyId)).map((k) => k.kid);

  it('fetches once, serves lookups from the cache until the TTL ends, and skips unusable keys', async () => {
    reply = json({ keys: [k1, { ...k2, d: 'private' }, { kty: 'OKP', crv: 'Ed25519', x: 'broken', kid: 'bad' }, { kty: 'OKP' }] });
    const jwks = cache();
    expect(await kids(jwks)).toEqual(['k1']);
    expect(await jwks.keys('k1')).toEqual([{ kid: 'k1', jwk: { kty: 'OKP', crv: 'Ed25519', x: k1.x, kid: 'k1' } }]);
    clock += 59_999;
    expect(await kids(jwks, 'k1')).toEqual(['k1']);
    expect(fetches).toBe(1);

    clock += 1;
    await jwks.keys('k1');
    expect(fetches).toBe(2);
  });

  it('lets concurrent callers share one fetch', async () => {
    const jwks = cache();
    const answers = await Promise.all([jwks.keys(undefined), jwks.keys('k1'), jwks.keys('k2'), jwks.keys('k3')]);
    expect(answers.map((keys) => keys.map((k) => k.kid))).toEqual([['k1', 'k2'], ['k1'], ['k2'], []]);
    expect(fetches).toBe(1);
  });

  it('looks again for an unknown kid, but not more than once per refetch interval whatever the kids', async () => {
    const jwks = cache();
    await jwks.keys('k1');
    for (let i = 0; i < 20; i++) expect(await jwks.keys(`random-${i}`)).toEqual([]);
    expect(fetches).toBe(1);

    const k3 = ed25519Jwk('k3');
    reply = json({ keys: [k2, k3] });
    clock += 30_000;
    expect(await kids(jwks, 'k3')).toEqual(['k3']);
    expect(await kids(jwks)).toEqual(['k2', 'k3']);
    expect(fetches).toBe(2);
  });

  it('gives no keys when the fetch fails, says why, and tries again only after the refetch interval', async () => {
    reply = json({ error: 'down' }, 500);
    const jwks = cache();
    expect(await jwks.keys('k1')).toEqual([]);
    clock += 29_999;
    expect(await jwks.keys('k1')).toEqual([]);
    expect(fetches).toBe(1);
    expect(failures).toEqual(['HTTP 500']);

    reply = json({ keys: [k1] });
    clock += 1;
    expect(await kids(jwks, 'k1')).toEqual(['k1']);
    expect(fetches).toBe(2);
  });

  it('keeps the keys it has while their TTL lasts when a look for an unknown kid fails', async () => {
    const jwks = cache();
    await jwks.keys('k1');
    reply = json({ error: 'down' }, 503);
    clock += 30_000;
    expect(await jwks.keys('k3')).toEqual([]);
    expect(await kids(jwks, 'k1')).toEqual(['k1']);
    expect(failures).toEqual(['HTTP 503']);

    clock += 30_000;
    expect(await jwks.keys('k1')).toEqual([]);
    expect(fetches).toBe(3);
  });

  it('refuses a document over 64 KiB, whether its length is announced or streamed', async () => {
    const padding = 'x'.repeat(64 * 1024);
    reply = json({ keys: [k1], padding });
    expect(await cache().keys(undefined)).toEqual([]);
    reply = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`{"keys":[${JSON.stringify(k1)}],"padding":"`);
      res.write(padding);
      res.end('"}');
    };
    expect(await cache().keys(undefined)).toEqual([]);
    expect(failures).toEqual(['JWKS document too large', 'JWKS document too large']);
  });

  it('releases the connection of a refused answer instead of leaving its body unread', async () => {
    for (const [status, length] of [
      [503, 1000],
      [200, 64 * 1024 + 1],
    ]) {
      // A body that never ends, and a fetch deadline beyond the test's: only a cancel closes the connection.
      const closed = new Promise<void>((resolve) => {
        reply = (res) => {
          res.on('close', resolve);
          res.writeHead(status, { 'content-type': 'application/json', 'content-length': length }).write('{');
        };
      });
      // The real fetch, keeping the response referenced so that garbage collection cannot close it for us.
      let answer: Response | undefined;
      const keep: typeof fetch = async (input, init) => (answer = await fetch(input, init));
      expect(await cache({ fetch: keep, timeoutMs: 600_000 }).keys(undefined)).toEqual([]);
      expect(answer?.bodyUsed).toBe(true);
      await closed;
    }
    expect(failures).toEqual(['HTTP 503', 'JWKS document too large']);
  });

  it('refuses a document without a keys array', async () => {
    reply = json([k1]);
    expect(await cache().keys(undefined)).toEqual([]);
    expect(failures).toEqual(['JWKS document has no keys array']);
  });

  it('follows no redirect: the keys come from the configured URL only', async () => {
    reply = (res) => res.writeHead(302, { location: '/elsewhere' }).end();
    expect(await cache().keys(undefined)).toEqual([]);
    expect(failures).toEqual([expect.stringContaining('redirect')]);
  });

  it('gives up on a JWKS server that does not answer in time', async () => {
    reply = () => undefined;
    expect(await cache({ timeoutMs: 200 }).keys(undefined)).toEqual([]);
    expect(failures).toEqual([expect.stringContaining('timeout')]);
  });
});
