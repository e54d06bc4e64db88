import { describe, expect, it } from 'vitest';
import { lowerBound } from '#shared/sorted-search.js';

describe('lowerBound', () => {
  const id = (x: number) => x;

  it('is the first index whose key is at least the value: an equal key counts, the first of equal keys wins', () => {
    expect(lowerBound([0, 10, 20], 10, id)).toBe(1);
    expect(lowerBound([0, 10, 10, 10, 20], 10, id)).toBe(1);
    expect(lowerBound([0, 10, 20], 11, id)).toBe(2);
  });

  it('is 0 before every key and the length after them, and 0 for no items', () => {
    expect(lowerBound([5, 6], 1, id)).toBe(0);
    expect(lowerBound([5, 6], 7, id)).toBe(2);
    expect(lowerBound([], 3, id)).toBe(0);
  });

  it('searches by the key given', () => {
    const tokens = [{ start: 0 }, { start: 7 }, { start: 9 }];
    expect(lowerBound(tokens, 7, (t) => t.start)).toBe(1);
  });
});
