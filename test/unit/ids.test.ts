import { describe, expect, it } from 'vitest';
import { decodeTime, isValid } from 'ulid';
import { newId, pooledRandomFraction } from '#shared/ids.js';

describe('newId', () => {
  it('makes valid ULIDs stamped with the current time', () => {
    const before = Date.now();
    const id = newId();
    expect(isValid(id)).toBe(true);
    expect(decodeTime(id)).toBeGreaterThanOrEqual(before);
    expect(decodeTime(id)).toBeLessThanOrEqual(Date.now());
  });

  it('never repeats, across many refills of the random pool', () => {
    // 16 bytes an id, 4 KiB a pool: 2,000 ids refill it seven times.
    const ids = Array.from({ length: 2000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    // The random part (after the 10 time characters) differs too, not just the time.
    expect(new Set(ids.map((id) => id.slice(10))).size).toBe(ids.length);
  });

  it('uses every character of the alphabet in the random part, about evenly', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) for (const c of newId().slice(10)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(32);
    // 32,000 characters over 32: 1,000 each expected; a stuck or biased source falls far outside.
    for (const n of counts.values()) expect(n).toBeGreaterThan(800);
    for (const n of counts.values()) expect(n).toBeLessThan(1200);
  });
});

describe('pooledRandomFraction', () => {
  it('returns byte fractions in [0, 1)', () => {
    const xs = Array.from({ length: 10_000 }, () => pooledRandomFraction());
    for (const x of xs) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      expect(Number.isInteger(x * 256)).toBe(true);
    }
    expect(new Set(xs).size).toBe(256);
  });
});
