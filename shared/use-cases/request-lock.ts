/**
 * Runs `fn` alone among the callers holding the same key in this process: a vote's claim and its
 * chain record, and the expiry's claim and its record, then land in the chain in the order they
 * were claimed. Across processes the compare-and-swap still decides; the records then carry
 * `position` (a vote's place in the counted list) so the order can be read back.
 *
 * @example
 * await withRequestLock(deps.requests, requestId, async () => { … });
 */
export async function withRequestLock<T>(scope: object, key: string, fn: () => Promise<T>): Promise<T> {
  let locks = all.get(scope);
  if (locks === undefined) all.set(scope, (locks = new Map()));
  const before = locks.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = before.then(() => mine);
  locks.set(key, tail);
  await before;
  try {
    return await fn();
  } finally {
    release();
    if (locks.get(key) === tail) locks.delete(key);
  }
}

const all = new WeakMap<object, Map<string, Promise<void>>>();
