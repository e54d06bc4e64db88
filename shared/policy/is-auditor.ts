import type { Principal } from '#shared/identity/principal.js';
import type { Policy } from './policy.js';

/**
 * Whether the principal may read every session (a member of one of `auditorGroups`).
 * Group names compare exactly: identity providers treat them as opaque strings.
 *
 * @example
 * isAuditor(policy, { iss, sub: 'alice', groups: ['airlock-auditors'] }); // true with the default policy
 */
export function isAuditor(policy: Policy, principal: Principal): boolean {
  return principal.groups.some((g) => policy.auditorGroups.includes(g));
}
