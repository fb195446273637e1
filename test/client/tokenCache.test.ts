import { TokenCache } from '../../adapters/dci/client/tokenCache';

describe('TokenCache', () => {
  let now = 0;
  let issued = 0;
  const fetchToken = jest.fn(async () => ({ accessToken: `t${++issued}`, expiresInSeconds: 600 }));
  const cache = () => new TokenCache(fetchToken, { now: () => now, refreshMarginMs: 60_000 });
  beforeEach(() => {
    now = 0;
    issued = 0;
    fetchToken.mockClear();
  });

  it('reuses the token until the refresh margin before expiry, then fetches a new one', async () => {
    const c = cache();
    expect(await c.get()).toBe('t1');
    now = 539_000;
    expect(await c.get()).toBe('t1');
    now = 540_000;
    expect(await c.get()).toBe('t2');
    expect(fetchToken).toHaveBeenCalledTimes(2);
  });

  it('fetches once for concurrent callers', async () => {
    const c = cache();
    const tokens = await Promise.all(Array.from({ length: 10 }, () => c.get()));
    expect(new Set(tokens)).toEqual(new Set(['t1']));
    expect(fetchToken).toHaveBeenCalledTimes(1);
  });

  it('invalidates only the token that was refused, not a newer one', async () => {
    const c = cache();
    await c.get();
    c.invalidate('t1');
    expect(await c.get()).toBe('t2');
    c.invalidate('t1');
    expect(await c.get()).toBe('t2');
  });

  it('a failed fetch is not cached: the next caller tries again', async () => {
    const c = new TokenCache(jest.fn().mockRejectedValueOnce(new Error('down')).mockResolvedValue({ accessToken: 'ok', expiresInSeconds: 60 }), { now: () => now });
    await expect(c.get()).rejects.toThrow('down');
    expect(await c.get()).toBe('ok');
  });
});
