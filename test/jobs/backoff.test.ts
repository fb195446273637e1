import { backoffDelay } from '../../src/jobs/backoff';

describe('backoffDelay', () => {
  const backoff = { baseMs: 100, maxMs: 1000 };

  it('doubles per attempt up to the cap without jitter', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, { ...backoff, jitter: false }));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('jitters within the upper half of the exponential delay', () => {
    expect(backoffDelay(3, backoff, () => 0)).toBe(200);
    expect(backoffDelay(3, backoff, () => 0.999999)).toBe(400);
    expect(backoffDelay(10, backoff, () => 0.5)).toBe(750);
  });
});
