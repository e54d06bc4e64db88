/**
 * A fair counting semaphore for DuckDB work. Every call into the native binding occupies a
 * libuv thread-pool thread (4 by default) that the file system and async crypto share, so
 * the warehouse takes only a few at a time and the record store keeps its I/O.
 *
 * Fair (issue 15): waiters queue per owner (the identity key); a freed slot goes to the waiting
 * owner that holds the fewest slots (ties: the one that has waited longest), and one owner never
 * holds more than `maxPerOwner` (default size − 1) at once, so a flood from one identity always
 * leaves a slot for the others.
 *
 * Deadlines: a wait counts against the statement's deadline; a statement that never got a slot
 * never runs. A watchdog interrupts (via the holder's `onOverdue`) and frees any slot still held
 * `graceMs` past its deadline, so no slot outlives its statement's deadline for long.
 *
 * @example
 * const slots = new DuckDbSlots(3);
 * const lease = await slots.acquire(deadline, 'iss|sub'); if (!lease) throw busy;
 * try { … } finally { lease.release(); }
 */
export interface SlotLease {
  /** Frees the slot (idempotent). */
  release(): void;
  /** Called once by the watchdog when the slot is force-freed past its deadline. */
  onOverdue(fn: () => void): void;
  /** True once the watchdog force-freed this slot. */
  readonly overdue: boolean;
}

export interface DuckDbSlotsOptions {
  /** At most this many slots per owner while the pool is shared (default size − 1, at least 1). */
  maxPerOwner?: number;
  /** The watchdog frees a slot held this long past its deadline (default 1000 ms). */
  graceMs?: number;
  /** How often the watchdog looks (default 250 ms). */
  watchdogMs?: number;
}

export interface SlotsSnapshot {
  size: number;
  held: Array<{ owner: string; deadline: number }>;
  waiting: Record<string, number>;
  /** Slots the watchdog had to free past their deadline, since start. */
  overdueFreed: number;
}

interface Holder {
  owner: string;
  deadline: number;
  overdue: boolean;
  released: boolean;
  onOverdue: Array<() => void>;
}

interface Waiter {
  owner: string;
  at: number;
  order: number;
  grant: () => void;
}

const ANONYMOUS = '';

export class DuckDbSlots {
  readonly size: number;
  readonly maxPerOwner: number;
  private readonly graceMs: number;
  private readonly held = new Set<Holder>();
  private readonly waiting: Waiter[] = [];
  private order = 0;
  private overdueFreed = 0;
  private watchdog: ReturnType<typeof setInterval> | undefined;

  constructor(size: number, options: DuckDbSlotsOptions = {}) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('size must be a positive integer');
    this.size = size;
    this.maxPerOwner = Math.min(size, Math.max(1, options.maxPerOwner ?? size - 1));
    this.graceMs = options.graceMs ?? 1000;
    this.watchdog = setInterval(() => this.sweep(Date.now()), options.watchdogMs ?? 250);
    this.watchdog.unref();
  }

  /** Resolves with a lease, or undefined when `deadline` (epoch ms) passes first. */
  acquire(deadline: number, owner: string = ANONYMOUS): Promise<SlotLease | undefined> {
    if (this.canTake(owner) && this.waiting.length === 0) return Promise.resolve(this.take(owner, deadline));
    if (deadline <= Date.now()) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        owner,
        at: Date.now(),
        order: this.order++,
        grant: () => {
          clearTimeout(timer);
          resolve(this.take(owner, deadline));
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(undefined);
      }, Math.max(0, deadline - Date.now()));
      this.waiting.push(waiter);
      // A waiter from an owner below its share may go ahead of a capped owner's waiters.
      this.dispatch();
    });
  }

  /** What is held and waiting now (for tests, the bench and diagnostics). */
  snapshot(): SlotsSnapshot {
    const waiting: Record<string, number> = {};
    for (const w of this.waiting) waiting[w.owner] = (waiting[w.owner] ?? 0) + 1;
    return { size: this.size, held: [...this.held].map((h) => ({ owner: h.owner, deadline: h.deadline })), waiting, overdueFreed: this.overdueFreed };
  }

  /** Interrupts (via onOverdue) and frees every held slot; stops the watchdog. For shutdown. */
  drain(): void {
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    this.watchdog = undefined;
    for (const h of [...this.held]) this.forceFree(h, false);
  }

  /** The watchdog: frees what is held past deadline + grace. Exposed for tests. */
  sweep(now: number): void {
    for (const h of [...this.held]) if (now > h.deadline + this.graceMs) this.forceFree(h, true);
  }

  private forceFree(h: Holder, overdue: boolean): void {
    if (h.released) return;
    h.overdue = overdue;
    if (overdue) this.overdueFreed++;
    for (const fn of h.onOverdue) {
      try {
        fn();
      } catch {
        // an interrupt that throws must not keep the slot
      }
    }
    this.free(h);
  }

  private heldBy(owner: string): number {
    let n = 0;
    for (const h of this.held) if (h.owner === owner) n++;
    return n;
  }

  /** Statements with no owner (internal callers) are not capped per owner. */
  private capOf(owner: string): number {
    return owner === ANONYMOUS ? this.size : this.maxPerOwner;
  }

  private canTake(owner: string): boolean {
    return this.held.size < this.size && this.heldBy(owner) < this.capOf(owner);
  }

  private take(owner: string, deadline: number): SlotLease {
    const h: Holder = { owner, deadline, overdue: false, released: false, onOverdue: [] };
    this.held.add(h);
    return {
      release: () => this.free(h),
      onOverdue: (fn) => {
        h.onOverdue.push(fn);
      },
      get overdue() {
        return h.overdue;
      },
    };
  }

  private free(h: Holder): void {
    if (h.released) return;
    h.released = true;
    this.held.delete(h);
    this.dispatch();
  }

  /** Hands free slots to waiters: fewest held first, then longest waiting; owners at their cap wait. */
  private dispatch(): void {
    while (this.held.size < this.size && this.waiting.length > 0) {
      let best: Waiter | undefined;
      let bestHeld = Infinity;
      for (const w of this.waiting) {
        const n = this.heldBy(w.owner);
        if (n >= this.capOf(w.owner)) continue;
        if (n < bestHeld || (n === bestHeld && best !== undefined && w.order < best.order)) {
          best = w;
          bestHeld = n;
        }
      }
      if (best === undefined) return;
      this.waiting.splice(this.waiting.indexOf(best), 1);
      best.grant();
    }
  }
}
