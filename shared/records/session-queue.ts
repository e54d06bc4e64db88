/**
 * Runs tasks one at a time per key (session), in arrival order, within one process.
 * Appends to one session from one process then never race each other for the same seq;
 * the store's conditional put stays the guarantee across processes.
 *
 * @example
 * const queue = new SessionQueue();
 * await queue.run('s1', () => appendOnce());
 */
export class SessionQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    // A failed task must not block the ones behind it: chain on settle, not on success.
    const result = prev.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    // Forget idle sessions so the map does not grow with every session ever seen.
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Sessions with queued or running work (for tests and diagnostics). */
  get size(): number {
    return this.#tails.size;
  }
}
