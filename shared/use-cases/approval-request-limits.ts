import { AirlockError } from '../errors.js';
import type { Policy } from '../policy/policy.js';
import type { Clock } from '../ports/clock.js';
import type { RequestItem, RequestStatus, RequestStore } from '../ports/request-store.js';

export type ApprovalRequestLimitsDeps = { requests: RequestStore; clock: Clock; policy: Policy };

const HOUR_MS = 3600_000;
/** Every status an approval request can be in after it was opened (denied ones never were). */
const APPROVAL_STATUSES: RequestStatus[] = ['pending_approval', 'approved', 'running', 'rejected', 'expired', 'executed', 'failed', 'outcome_unknown'];

/**
 * Approval requests are scarce (each one pages people): before a new one is opened for `owner`,
 * an identical pending SQL from the same identity is returned instead (no second request, no
 * second message), and the identity's pending requests (`limits.pendingApprovalsPerIdentity`) and
 * requests opened in the last hour (`limits.approvalRequestsPerHour`) are capped: 429
 * ERR_TOO_MANY_PENDING with the count, the limit and when to retry (`retryAfterSeconds`).
 *
 * @example
 * const existing = await checkApprovalRequestLimits(deps, owner, sqlHash); // RequestItem to answer with, or null to go on
 */
export async function checkApprovalRequestLimits(deps: ApprovalRequestLimitsDeps, owner: string, sqlHash: string): Promise<RequestItem | null> {
  const now = deps.clock.now().getTime();
  const pending = (await deps.requests.listByStatus('pending_approval')).filter(
    (r) => r.owner === owner && !(r.expiresAt !== undefined && Date.parse(r.expiresAt) <= now),
  );
  const same = pending.find((r) => r.sqlHash === sqlHash);
  if (same !== undefined) {
    const fresh = await deps.requests.get(same.requestId);
    if (fresh !== null && fresh.status === 'pending_approval') return fresh;
  }
  const { pendingApprovalsPerIdentity: maxPending, approvalRequestsPerHour: perHour } = deps.policy.limits;
  if (pending.length >= maxPending) {
    const soonest = Math.min(...pending.map((r) => Date.parse(r.expiresAt ?? '') || now + HOUR_MS));
    throw tooMany(`${pending.length} approval requests of yours are waiting (the limit is ${maxPending}); wait for a decision or an expiry`, 'pendingApprovalsPerIdentity', pending.length, maxPending, soonest - now);
  }
  const since = now - HOUR_MS;
  const lastHour: number[] = [];
  for (const status of APPROVAL_STATUSES) {
    for (const r of await deps.requests.listByStatus(status)) {
      const at = Date.parse(r.createdAt);
      if (r.owner === owner && r.approvalsRequired > 0 && at > since) lastHour.push(at);
    }
  }
  if (lastHour.length >= perHour) {
    lastHour.sort((a, b) => a - b);
    const frees = (lastHour[lastHour.length - perHour] ?? now) + HOUR_MS;
    throw tooMany(`you opened ${lastHour.length} approval requests in the last hour (the limit is ${perHour})`, 'approvalRequestsPerHour', lastHour.length, perHour, frees - now);
  }
  return null;
}

/** Which cap refused (`limitName`, the policy field): the refusal is recorded as `query.throttled` with it. */
export type ApprovalLimitName = 'pendingApprovalsPerIdentity' | 'approvalRequestsPerHour';

function tooMany(message: string, limitName: ApprovalLimitName, count: number, limit: number, retryMs: number): AirlockError {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryMs / 1000));
  return new AirlockError('ERR_TOO_MANY_PENDING', `${message}; retry in ${retryAfterSeconds} s`, { details: { count, limit, limitName, retryAfterSeconds } });
}
