/**
 * A counting semaphore for DuckDB work. Every call into the native binding occupies a
 * libuv thread-pool thread (4 by default) that the file system and async crypto share, so
 * the warehouse takes only a few at a time and the record store keeps its I/O. A wait
 * counts against the statement's timeout: a statement that never got a slot never runs.
 *
 * @example
 * const slots = new DuckDbSlots(3);
 * const release = await slots.acquire(deadline); try { … } finally { release(); }
 */
export class DuckDbSlots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('size must be a positive integer');
    this.free = size;
  }

  /** Resolves with a release function, or undefined when `deadline` (epoch ms) passes first. */
  acquire(deadline: number): Promise<(() => void) | undefined> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      const grant = () => {
        clearTimeout(timer);
        resolve(this.releaser());
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(undefined);
      }, Math.max(0, deadline - Date.now()));
      this.waiting.push(grant);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}
