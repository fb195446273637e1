import { CircuitBreaker } from '../../adapters/dci/client/circuitBreaker';

describe('CircuitBreaker', () => {
  let now = 0;
  const breaker = () => new CircuitBreaker({ failureThreshold: 3, coolDownMs: 1000, now: () => now });
  beforeEach(() => (now = 0));

  it('opens after N consecutive failures, fails fast while open, and a success in between resets the count', () => {
    const b = breaker();
    b.failure();
    b.failure();
    b.success();
    b.failure();
    b.failure();
    expect(b.state()).toBe('closed');
    b.failure();
    expect(b.state()).toBe('open');
    expect(b.admit()).toBe(false);
  });

  it('lets one trial through after the cool-down; its success closes, its failure re-opens', () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) b.failure();
    now = 1000;
    expect(b.state()).toBe('half-open');
    expect(b.admit()).toBe(true);
    expect(b.admit()).toBe(false); // one trial at a time
    b.failure();
    expect(b.state()).toBe('open');
    now = 2000;
    expect(b.admit()).toBe(true);
    b.success();
    expect(b.state()).toBe('closed');
    expect(b.admit()).toBe(true);
  });

  it('a trial that says nothing about the partner frees the slot without closing', () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) b.failure();
    now = 1000;
    expect(b.admit()).toBe(true);
    b.release();
    expect(b.state()).toBe('half-open');
    expect(b.admit()).toBe(true);
  });
});
