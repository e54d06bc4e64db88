import { identityKey, type Principal } from '../identity/principal.js';
import type { Policy } from '../policy/policy.js';
import { isAuditor } from '../policy/is-auditor.js';

/**
 * Who may read a session or a request: its owner (the identity that created it) and the policy's
 * auditor groups. Everyone else is answered as if it did not exist (404), so ids cannot be probed.
 * `owner` null (nothing found) is never readable.
 *
 * @example
 * if (!mayRead(policy, principal, item?.owner ?? null)) throw new AirlockError('ERR_NOT_FOUND', …);
 */
export function mayRead(policy: Policy, principal: Principal, owner: string | null): boolean {
  return owner !== null && (owner === identityKey(principal) || isAuditor(policy, principal));
}
