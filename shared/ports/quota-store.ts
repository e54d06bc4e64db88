/**
 * Per-identity fair-use counters (issue 15): requests per minute, warehouse time per hour and
 * per day, and concurrency leases. Locally in memory; in AWS on DynamoDB (conditional counters
 * and leases with TTL in the requests table), so limits hold across Lambda containers.
 *
 * @example
 * const a = await quotas.admit({ identity, now, requestsPerMinute: 60, lease: { id, max: 2, until } });
 * if (!a.admitted) throw rateLimited(a.limit, a.retryAfterSeconds);
 * try { … } finally { await quotas.finish({ identity, leaseId: id, warehouseMs, now: clock.now() }); }
 */
export type QuotaLimitName = 'concurrentStatements' | 'requestsPerMinute' | 'warehouseSecondsPerHour' | 'warehouseSecondsPerDay';

export interface QuotaCheck {
  /** The identity key (`identityKey(principal)`); adapters may hash it. */
  identity: string;
  now: Date;
  /** Absent: no such limit. */
  requestsPerMinute?: number;
  warehouseSecondsPerHour?: number;
  warehouseSecondsPerDay?: number;
  /** A statement that runs now: take one of `max` concurrency leases until `until` (it lapses then even if never freed). */
  lease?: { id: string; max: number; until: Date };
}

export type Admission = { admitted: true } | { admitted: false; limit: QuotaLimitName; retryAfterSeconds: number };

export interface QuotaStore {
  /**
   * Counts the request (even when refused: a flood keeps its window full) and checks every limit
   * given. Throws ERR_STORE_UNAVAILABLE when it cannot tell (fail closed).
   */
  admit(check: QuotaCheck): Promise<Admission>;
  /** Frees the lease (if any) and charges `warehouseMs` to the hour and day. */
  finish(input: { identity: string; leaseId?: string; warehouseMs: number; now: Date }): Promise<void>;
}

/** Window starts and the seconds left in each, shared by the adapters. */
export function windows(now: Date): { minute: number; hour: number; day: number; secondsToMinute: number; secondsToHour: number; secondsToDay: number } {
  const t = now.getTime();
  const minute = Math.floor(t / 60_000);
  const hour = Math.floor(t / 3_600_000);
  const day = Math.floor(t / 86_400_000);
  const left = (end: number) => Math.max(1, Math.ceil((end - t) / 1000));
  return { minute, hour, day, secondsToMinute: left((minute + 1) * 60_000), secondsToHour: left((hour + 1) * 3_600_000), secondsToDay: left((day + 1) * 86_400_000) };
}
