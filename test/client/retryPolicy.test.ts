import { DEFAULT_RETRY, retryAfterMs, retryDelay } from '../../adapters/dci/client/retryPolicy';

describe('retry policy', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-03-02T09:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('Sun, 02 Mar 2025 09:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Sun, 02 Mar 2025 08:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it('backs off exponentially with jitter, capped, unless the partner said when', () => {
    const opts = { ...DEFAULT_RETRY, backoff: { baseMs: 100, maxMs: 1000, jitter: true } };
    expect(retryDelay(1, opts, undefined, () => 0)).toBe(50);
    expect(retryDelay(1, opts, undefined, () => 1)).toBe(100);
    expect(retryDelay(3, opts, undefined, () => 1)).toBe(400);
    expect(retryDelay(10, opts, undefined, () => 1)).toBe(1000);
    expect(retryDelay(2, opts, 7000)).toBe(7000);
  });
});
