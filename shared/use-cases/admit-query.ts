import { AirlockError } from '../errors.js';
import { identityKey, type Principal } from '../identity/principal.js';
import { identityQuotaFor, type EffectiveQuota } from '../policy/identity-quota.js';
import type { Policy } from '../policy/policy.js';
import type { Clock } from '../ports/clock.js';
import type { QuotaLimitName, QuotaStore } from '../ports/quota-store.js';

export interface AdmitQueryDeps {
  policy: Policy;
  clock: Clock;
  newId: () => string;
  /** Absent: no per-identity quotas are enforced (tests of other paths). */
  quotas?: QuotaStore;
}

export type Admission =
  | { admitted: true; quota: EffectiveQuota; done(warehouseMs: number, extraPaceUnits?: number): Promise<void> }
  | { admitted: false; limit: QuotaLimitName; retryAfterSeconds: number; quota: EffectiveQuota };

/**
 * Fair use (issue 15): checks one request against its identity's quotas before anything is
 * recorded or run. `runsNow` (an allowed statement) also takes a concurrency lease, which lapses
 * at the statement deadline + 5 s even if `done` is never called; `done` frees it and charges the
 * warehouse time.
 *
 * @example
 * const a = await admitQuery(deps, principal, decision.outcome === 'allow');
 * if (!a.admitted) … // 429 ERR_RATE_LIMITED, query.throttled
 */
export async function admitQuery(deps: AdmitQueryDeps, principal: Principal, runsNow: boolean, sql = '', pace: PaceKind = 'queries'): Promise<Admission> {
  const quota = identityQuotaFor(deps.policy, principal.groups);
  const identity = paceKey(principal, pace);
  if (deps.quotas === undefined) return { admitted: true, quota, done: async () => undefined };
  const quotas = deps.quotas;
  const now = deps.clock.now();
  const leaseId = runsNow && quota.concurrentStatements !== undefined ? deps.newId() : undefined;
  const check = {
    identity,
    now,
    ...(quota.requestsPerMinute === undefined ? {} : { requestsPerMinute: quota.requestsPerMinute }),
    ...(quota.burst === undefined ? {} : { burst: quota.burst }),
    units: paceUnits(sql, quota),
    ...(quota.warehouseSecondsPerHour === undefined ? {} : { warehouseSecondsPerHour: quota.warehouseSecondsPerHour }),
    ...(quota.warehouseSecondsPerDay === undefined ? {} : { warehouseSecondsPerDay: quota.warehouseSecondsPerDay }),
    ...(leaseId === undefined
      ? {}
      : { lease: { id: leaseId, max: quota.concurrentStatements as number, until: new Date(now.getTime() + quota.statementTimeoutSeconds * 1000 + 5000) } }),
  };
  const a = await quotas.admit(check);
  if (!a.admitted) return { ...a, quota };
  return {
    admitted: true,
    quota,
    done: (warehouseMs, extraPaceUnits = 0) =>
      quotas.finish({
        identity,
        ...(leaseId === undefined ? {} : { leaseId }),
        warehouseMs,
        now: deps.clock.now(),
        ...(quota.requestsPerMinute === undefined || extraPaceUnits <= 0 ? {} : { pace: { requestsPerMinute: quota.requestsPerMinute, units: extraPaceUnits } }),
      }),
  };
}

/** Bytes of SQL that cost one request of the pace: classifying, hashing and recording a statement cost the gateway in proportion to its length. */
export const PACE_UNIT_BYTES = 4096;

/**
 * What one request costs of its identity's pace: one per started 4 KiB of SQL, so a flood of long
 * statements gets as much of the gateway as a flood of short ones; never more than the burst (a
 * statement within the size limit is always admitted eventually).
 *
 * @example
 * paceUnits('SELECT 1', quota); // 1
 */
export function paceUnits(sql: string, quota: EffectiveQuota): number {
  const units = Math.max(1, Math.ceil(Buffer.byteLength(sql, 'utf8') / PACE_UNIT_BYTES));
  return quota.requestsPerMinute === undefined ? units : Math.min(units, quota.burst ?? quota.requestsPerMinute);
}

/** Result cells (rows × columns) that cost one request of the pace: masking, serialising, hashing and recording an answer cost the gateway in proportion to its cells. */
export const PACE_UNIT_CELLS = 1000;

/**
 * What an answer costs of its identity's pace beyond the request itself (charged after the answer, in
 * `done`): one request per started 1,000 cells, less the one the request already paid. A loop of wide
 * answers is paced like a loop of long statements, by what each costs the gateway.
 *
 * @example
 * extraResultUnits(1000, 12); // 11
 */
export function extraResultUnits(rows: number, columns: number): number {
  return Math.max(0, Math.ceil((rows * columns) / PACE_UNIT_CELLS) - 1);
}

/**
 * Before a statement is classified: its identity's pace refusal when already known (`QuotaStore.pacedOut`),
 * else null. A flood past its pace is refused without the gateway classifying what it sent.
 */
export function pacedOut(deps: AdmitQueryDeps, principal: Principal, sql: string, pace: PaceKind = 'queries'): { admitted: false; limit: QuotaLimitName; retryAfterSeconds: number } | null {
  const quota = identityQuotaFor(deps.policy, principal.groups);
  if (deps.quotas === undefined || quota.requestsPerMinute === undefined) return null;
  const a = deps.quotas.pacedOut({
    identity: paceKey(principal, pace),
    now: deps.clock.now(),
    requestsPerMinute: quota.requestsPerMinute,
    ...(quota.burst === undefined ? {} : { burst: quota.burst }),
    units: paceUnits(sql, quota),
  });
  return a === null || a.admitted ? null : a;
}

/**
 * Which of an identity's two paces a request costs: its queries (and explain), or its reads of requests
 * and sessions (`pacedReads`, local runtime) — so an agent that spent its queries' pace can still read
 * what happened to them, and a loop of reads does not stop its queries. Same limits for both.
 */
export type PaceKind = 'queries' | 'reads';

function paceKey(principal: Principal, pace: PaceKind): string {
  return pace === 'queries' ? identityKey(principal) : `${identityKey(principal)}#reads`;
}

/** The 429 for a refused admission: which limit, and when to retry. */
export function rateLimited(a: { limit: QuotaLimitName; retryAfterSeconds: number }, requestId: string): AirlockError {
  return new AirlockError('ERR_RATE_LIMITED', `over the ${a.limit} limit for this identity; retry after ${a.retryAfterSeconds} s`, {
    details: { limit: a.limit, retryAfterSeconds: a.retryAfterSeconds, requestId },
  });
}
