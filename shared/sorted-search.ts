/**
 * The first index of `items` whose key is at least `value` (`items.length` when none is), by binary
 * search: `items` must be in ascending order of `key`.
 *
 * @example
 * lowerBound([0, 10, 20], 10, (x) => x); // 1
 * lowerBound(tokens, span.start, (t) => t.start); // the first token of the span
 */
export function lowerBound<T>(items: readonly T[], value: number, key: (item: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(items[mid]!) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
