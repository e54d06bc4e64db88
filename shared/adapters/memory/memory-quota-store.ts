import type { Admission, FinishInput, PaceCheck, QuotaCheck, QuotaStore } from '../../ports/quota-store.js';
import { movedOn, pace, paceIntervalUs, paceRefusal, windows } from '../../ports/quota-store.js';

interface Usage {
  /** The request pace's theoretical arrival time, µs (`pace`); absent: rested. */
  tatUs?: number;
  hour: number;
  hourMs: number;
  day: number;
  dayMs: number;
  leases: Map<string, number>;
}

/**
 * QuotaStore in process memory, for the local runtime (one process serves every request).
 *
 * @example
 * const quotas = new MemoryQuotaStore();
 */
export class MemoryQuotaStore implements QuotaStore {
  readonly #usage = new Map<string, Usage>();

  #of(identity: string, now: Date): Usage {
    const w = windows(now);
    let u = this.#usage.get(identity);
    if (u === undefined) {
      u = { hour: w.hour, hourMs: 0, day: w.day, dayMs: 0, leases: new Map() };
      this.#usage.set(identity, u);
    }
    if (u.hour !== w.hour) Object.assign(u, { hour: w.hour, hourMs: 0 });
    if (u.day !== w.day) Object.assign(u, { day: w.day, dayMs: 0 });
    for (const [id, until] of u.leases) if (until <= now.getTime()) u.leases.delete(id);
    return u;
  }

  async admit(c: QuotaCheck): Promise<Admission> {
    const u = this.#of(c.identity, c.now);
    const w = windows(c.now);
    // Nothing is taken until every limit admits the request.
    const paced = c.requestsPerMinute === undefined ? null : pace(u.tatUs, c.now.getTime() * 1000, c.requestsPerMinute, c.burst, c.units);
    if (paced !== null && !paced.admitted) return { admitted: false, limit: 'requestsPerMinute', retryAfterSeconds: paced.retryAfterSeconds };
    if (c.warehouseSecondsPerHour !== undefined && u.hourMs >= c.warehouseSecondsPerHour * 1000) return { admitted: false, limit: 'warehouseSecondsPerHour', retryAfterSeconds: w.secondsToHour };
    if (c.warehouseSecondsPerDay !== undefined && u.dayMs >= c.warehouseSecondsPerDay * 1000) return { admitted: false, limit: 'warehouseSecondsPerDay', retryAfterSeconds: w.secondsToDay };
    if (c.lease !== undefined) {
      if (u.leases.size >= c.lease.max) {
        const soonest = Math.min(...u.leases.values());
        return { admitted: false, limit: 'concurrentStatements', retryAfterSeconds: Math.max(1, Math.ceil((soonest - c.now.getTime()) / 1000)) };
      }
      u.leases.set(c.lease.id, c.lease.until.getTime());
    }
    if (paced !== null) u.tatUs = paced.tatUs;
    return { admitted: true };
  }

  pacedOut(c: PaceCheck): Admission | null {
    return paceRefusal(this.#usage.get(c.identity)?.tatUs, c);
  }

  async finish(input: FinishInput): Promise<void> {
    const u = this.#of(input.identity, input.now);
    if (input.pace !== undefined && input.pace.units > 0) u.tatUs = movedOn(u.tatUs, input.now.getTime() * 1000, input.pace.units * paceIntervalUs(input.pace.requestsPerMinute));
    if (input.leaseId !== undefined) u.leases.delete(input.leaseId);
    const ms = Math.max(0, Math.round(input.warehouseMs));
    u.hourMs += ms;
    u.dayMs += ms;
  }
}
