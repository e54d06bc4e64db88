/**
 * Per-identity fair-use counters (issue 15): the request pace, warehouse time per hour and
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
  /**
   * Absent: no such limit. A pace, not a count per clock minute: one request every 60/rpm s on
   * average, with at most `burst` at once from a rested identity (GCRA, `pace` below). A refused
   * request takes nothing, so its Retry-After is exact.
   */
  requestsPerMinute?: number;
  /** Requests at once above the pace of `requestsPerMinute`; absent: a whole minute's worth (= requestsPerMinute). */
  burst?: number;
  /** What this request costs of the pace, in requests (default 1): a long statement costs more (`paceUnits`). */
  units?: number;
  warehouseSecondsPerHour?: number;
  warehouseSecondsPerDay?: number;
  /** A statement that runs now: take one of `max` concurrency leases until `until` (it lapses then even if never freed). */
  lease?: { id: string; max: number; until: Date };
}

/** What `pacedOut` needs: the pace's part of a check. */
export type PaceCheck = Pick<QuotaCheck, 'identity' | 'now' | 'burst' | 'units'> & { requestsPerMinute: number };

export interface FinishInput {
  identity: string;
  leaseId?: string;
  warehouseMs: number;
  now: Date;
  /** Charged after the answer: `units` more of the pace of `requestsPerMinute`. */
  pace?: { requestsPerMinute: number; units: number };
}

export type Admission = { admitted: true } | { admitted: false; limit: QuotaLimitName; retryAfterSeconds: number };

export interface QuotaStore {
  /**
   * Checks every limit given and, only when all admit the request, moves its pace on and takes its
   * lease (a refusal takes nothing). Throws ERR_STORE_UNAVAILABLE when it cannot tell (fail closed).
   */
  admit(check: QuotaCheck): Promise<Admission>;
  /**
   * The pace's refusal when it is known without asking anyone — before a statement is classified, so
   * a flood beyond its pace costs no classification — else null (then `admit` decides). Never refuses
   * what `admit` would admit: the memory store knows the pace exactly, and a container's last sight
   * of it in DynamoDB is a lower bound (the pace only moves on).
   */
  pacedOut(check: PaceCheck): Admission | null;
  /**
   * Frees the lease (if any) and charges `warehouseMs` to the hour and day, and `pace.units` more to the
   * request pace (what the answer cost: `extraResultUnits`), from now if the identity is rested (`movedOn`; no burst applies: the cost was spent).
   */
  finish(input: FinishInput): Promise<void>;
}

/** Window starts and the seconds left in each, shared by the adapters. */
export function windows(now: Date): { hour: number; day: number; secondsToHour: number; secondsToDay: number } {
  const t = now.getTime();
  const hour = Math.floor(t / 3_600_000);
  const day = Math.floor(t / 86_400_000);
  const left = (end: number) => Math.max(1, Math.ceil((end - t) / 1000));
  return { hour, day, secondsToHour: left((hour + 1) * 3_600_000), secondsToDay: left((day + 1) * 86_400_000) };
}

/** One request's place at the pace of `requestsPerMinute`, in integer microseconds (exact in DynamoDB's numbers too). */
export function paceIntervalUs(requestsPerMinute: number): number {
  return Math.max(1, Math.round(60_000_000 / requestsPerMinute));
}

/**
 * The generic cell rate algorithm: `tatUs` is the identity's theoretical arrival time (absent: rested).
 * Admitted: the new one (`max(tat, now) + interval`), which may run at most `burst` intervals ahead
 * of now; a request of `units` counts as that many. Refused: the whole seconds until it would be
 * admitted (at least 1).
 *
 * @example
 * pace(undefined, nowUs, 60, 2); // { admitted: true, tatUs: nowUs + 1_000_000 }
 */
export function pace(tatUs: number | undefined, nowUs: number, requestsPerMinute: number, burst: number | undefined, units = 1): { admitted: true; tatUs: number } | { admitted: false; retryAfterSeconds: number } {
  const interval = paceIntervalUs(requestsPerMinute);
  const next = movedOn(tatUs, nowUs, interval * units);
  const ahead = (burst ?? requestsPerMinute) * interval;
  if (next - nowUs <= ahead) return { admitted: true, tatUs: next };
  return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((next - ahead - nowUs) / 1_000_000)) };
}

/** The pace's refusal of `check` given the identity's tat (absent: rested), or null when the pace admits it. */
export function paceRefusal(tatUs: number | undefined, check: PaceCheck): Admission | null {
  const paced = pace(tatUs, check.now.getTime() * 1000, check.requestsPerMinute, check.burst, check.units);
  return paced.admitted ? null : { admitted: false, limit: 'requestsPerMinute', retryAfterSeconds: paced.retryAfterSeconds };
}

/** The tat after a cost of `costUs`: from the tat, or from now when the identity is rested. */
export function movedOn(tatUs: number | undefined, nowUs: number, costUs: number): number {
  return Math.max(tatUs ?? 0, nowUs) + costUs;
}
