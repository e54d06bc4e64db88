/**
 * Keeps `value` under `key` in an insertion-ordered Map used as a bounded cache: the entry moves to
 * the newest end, and the oldest entry goes once the map holds more than `max`.
 *
 * @example
 * rememberBounded(seen, key, entry, 10_000);
 */
export function rememberBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as K);
}
