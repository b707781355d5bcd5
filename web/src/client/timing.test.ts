import { describe, expect, it } from 'vitest';
import { backoffDelay, refreshDelay } from './timing';

describe('backoffDelay', () => {
  it('doubles per attempt between half and all of the step', () => {
    expect(backoffDelay(0, 0)).toBe(250);
    expect(backoffDelay(0, 0.999999)).toBe(500);
    expect(backoffDelay(1, 0)).toBe(500);
    expect(backoffDelay(3, 0)).toBe(2000);
    expect(backoffDelay(3, 0.5)).toBe(3000);
  });

  it('is capped at the maximum, however many attempts failed', () => {
    expect(backoffDelay(20, 0.999999)).toBe(30_000);
    expect(backoffDelay(1000, 0)).toBe(15_000);
  });
});

describe('refreshDelay', () => {
  const now = 1_000_000;

  it('refreshes a 15-minute token one minute before it expires', () => {
    expect(refreshDelay(now + 15 * 60_000, now)).toBe(14 * 60_000);
  });

  it('keeps a lead of a fifth of the lifetime, at least 5 seconds, for short tokens', () => {
    expect(refreshDelay(now + 100_000, now)).toBe(80_000);
    expect(refreshDelay(now + 10_000, now)).toBe(5_000);
  });

  it('refreshes at once when the token has (nearly) expired', () => {
    expect(refreshDelay(now + 3_000, now)).toBe(0);
    expect(refreshDelay(now - 60_000, now)).toBe(0);
  });
});
