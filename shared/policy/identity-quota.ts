import type { IdentityQuota, Policy } from './policy.js';

/** One identity's effective limits: the quota fields (absent = none) and the statement limits it runs with. */
export interface EffectiveQuota {
  concurrentStatements?: number;
  requestsPerMinute?: number;
  burst?: number;
  warehouseSecondsPerHour?: number;
  warehouseSecondsPerDay?: number;
  maxRows: number;
  statementTimeoutSeconds: number;
}

const QUOTA_FIELDS = ['concurrentStatements', 'requestsPerMinute', 'burst', 'warehouseSecondsPerHour', 'warehouseSecondsPerDay', 'maxRows', 'statementTimeoutSeconds'] as const;

/**
 * `limits.perIdentity` resolved for one identity's groups: a matching group's value replaces the
 * base value; with several matching groups the most restrictive (smallest) wins. `maxRows` and
 * `statementTimeoutSeconds` never exceed the global limits.
 *
 * @example
 * const q = identityQuotaFor(policy, principal.groups); // { requestsPerMinute: 30, maxRows: 100, … }
 */
export function identityQuotaFor(policy: Policy, groups: readonly string[]): EffectiveQuota {
  const per = policy.limits.perIdentity;
  const picked: IdentityQuota = {};
  const matching = per?.groups.filter((g) => groups.includes(g.group)) ?? [];
  for (const field of QUOTA_FIELDS) {
    const fromGroups = matching.map((g) => g[field]).filter((v): v is number => v !== undefined);
    const value = fromGroups.length > 0 ? Math.min(...fromGroups) : per?.[field];
    if (value !== undefined) picked[field] = value;
  }
  const out: EffectiveQuota = {
    maxRows: Math.min(policy.limits.maxRows, picked.maxRows ?? Infinity),
    statementTimeoutSeconds: Math.min(policy.limits.statementTimeoutSeconds, picked.statementTimeoutSeconds ?? Infinity),
  };
  if (picked.concurrentStatements !== undefined) out.concurrentStatements = picked.concurrentStatements;
  if (picked.requestsPerMinute !== undefined) out.requestsPerMinute = picked.requestsPerMinute;
  if (picked.burst !== undefined) out.burst = picked.burst;
  if (picked.warehouseSecondsPerHour !== undefined) out.warehouseSecondsPerHour = picked.warehouseSecondsPerHour;
  if (picked.warehouseSecondsPerDay !== undefined) out.warehouseSecondsPerDay = picked.warehouseSecondsPerDay;
  return out;
}
