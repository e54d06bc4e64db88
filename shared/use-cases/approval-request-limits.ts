import { AirlockError } from '../errors.js';
import type { Policy } from '../policy/policy.js';
import type { Clock } from '../ports/clock.js';
import type { RequestItem, RequestStore } from '../ports/request-store.js';

export type ApprovalRequestLimitsDeps = { requests: RequestStore; clock: Clock; policy: Policy };

const HOUR_MS = 3600_000;
/** A slot whose request is not stored yet is being created; after this long without one, it never will be. */
const CREATION_GRACE_MS = 60_000;
const PENDING = 'pending';
const OPENED = 'opened';
const CLAIM_ATTEMPTS = 3;

/** The identity's counter item in the requests table: its pending requests and those opened in the last hour. */
export const approvalLimitsKey = (owner: string): string => `limits#${owner}`;

/**
 * `pending` holds request ids (a request counts once however often it is claimed or released);
 * `opened` holds `<ms>#<requestId>`, the claim's time with it (zero-padded: members sort by time).
 */
const memberOf = (ms: number, requestId: string): string => `${String(ms).padStart(15, '0')}#${requestId}`;
const msOf = (member: string): number => Number(member.slice(0, member.indexOf('#')));
const idOf = (member: string): string => member.slice(member.indexOf('#') + 1);

/**
 * Approval requests are scarce (each one pages people). An identical pending SQL from the same
 * identity is returned instead of a new request (no second request, no second message).
 *
 * @example
 * const existing = await checkApprovalRequestLimits(deps, owner, sqlHash); // RequestItem to answer with, or null to go on
 */
export async function checkApprovalRequestLimits(deps: ApprovalRequestLimitsDeps, owner: string, sqlHash: string): Promise<RequestItem | null> {
  const now = deps.clock.now().getTime();
  const pending = (await deps.requests.listByStatus('pending_approval')).filter(
    (r) => r.owner === owner && r.sqlHash === sqlHash && !(r.expiresAt !== undefined && Date.parse(r.expiresAt) <= now),
  );
  for (const same of pending) {
    const fresh = await deps.requests.get(same.requestId);
    if (fresh !== null && fresh.status === 'pending_approval') return fresh;
  }
  return null;
}

/**
 * Opens `requestId` within the identity's caps, then runs `fn` (which creates it). The caps hold
 * across processes: one conditional write adds the request to the identity's counter item in
 * the requests table (`pending`: at most `limits.pendingApprovalsPerIdentity`; `opened`: at most
 * `limits.approvalRequestsPerHour`), so two containers cannot both take the last slot. Beyond a
 * cap: 429 ERR_TOO_MANY_PENDING with the count, the limit and `retryAfterSeconds`, nothing written.
 * Members whose requests ended (or never got created) are pruned before a refusal, so a missed
 * release cannot lock an identity out. When `fn` did not leave `requestId` pending (denied,
 * failed, an idempotent replay of another request, a throw), its pending slot is released.
 *
 * @example
 * return withApprovalSlot(deps, owner, requestId, () => submitNew(…, requestId));
 */
export async function withApprovalSlot<T>(deps: ApprovalRequestLimitsDeps, owner: string, requestId: string, fn: () => Promise<T>): Promise<T> {
  await claimApprovalSlot(deps, owner, requestId);
  let pendingNow = false;
  try {
    const out = await fn();
    pendingNow = (await deps.requests.get(requestId))?.status === 'pending_approval';
    return out;
  } finally {
    if (!pendingNow) {
      const item = await deps.requests.get(requestId).catch(() => null);
      if (item?.status !== 'pending_approval') await releaseApprovalSlot(deps, owner, requestId).catch(() => undefined);
    }
  }
}

async function claimApprovalSlot(deps: ApprovalRequestLimitsDeps, owner: string, requestId: string): Promise<void> {
  const { pendingApprovalsPerIdentity: maxPending, approvalRequestsPerHour: perHour } = deps.policy.limits;
  const key = approvalLimitsKey(owner);
  for (let attempt = 0; ; attempt++) {
    const now = deps.clock.now().getTime();
    const member = memberOf(now, requestId);
    const claims = [
      { set: PENDING, member: requestId, max: maxPending },
      { set: OPENED, member, max: perHour },
    ];
    if (await deps.requests.claimSlots(key, claims)) return;
    // Full: prune what has ended, then try again (or refuse with what is really there).
    const sets = await deps.requests.listSlots(key);
    const live: { member: string; expiresMs: number }[] = [];
    const endedPending: string[] = [];
    const opened = sets[OPENED] ?? [];
    const openedAt = new Map(opened.map((m) => [idOf(m), msOf(m)]));
    for (const id of sets[PENDING] ?? []) {
      const item = await deps.requests.get(id);
      if (item === null) {
        // Being created, unless its claim is older than the grace (or so old its time is gone).
        const at = openedAt.get(id);
        if (at === undefined || now - at > CREATION_GRACE_MS) endedPending.push(id);
        else live.push({ member: id, expiresMs: at + deps.policy.approval.timeoutSeconds * 1000 });
        continue;
      }
      const expiresMs = item.expiresAt === undefined ? NaN : Date.parse(item.expiresAt);
      if (item.status !== 'pending_approval' || expiresMs <= now) endedPending.push(id);
      else live.push({ member: id, expiresMs: Number.isFinite(expiresMs) ? expiresMs : now + HOUR_MS });
    }
    const oldOpened = opened.filter((m) => msOf(m) <= now - HOUR_MS);
    await deps.requests.releaseSlots(key, PENDING, endedPending);
    await deps.requests.releaseSlots(key, OPENED, oldOpened);
    const lastHour = opened.filter((m) => msOf(m) > now - HOUR_MS).map(msOf).sort((a, b) => a - b);
    const nothingFreed = endedPending.length === 0 && oldOpened.length === 0;
    if (nothingFreed || attempt + 1 >= CLAIM_ATTEMPTS) {
      if (live.length >= maxPending) {
        const soonest = Math.min(...live.map((l) => l.expiresMs));
        throw tooMany(`${live.length} approval requests of yours are waiting (the limit is ${maxPending}); wait for a decision or an expiry`, 'pendingApprovalsPerIdentity', live.length, maxPending, soonest - now);
      }
      if (lastHour.length >= perHour) {
        const frees = (lastHour[lastHour.length - perHour] ?? now) + HOUR_MS;
        throw tooMany(`you opened ${lastHour.length} approval requests in the last hour (the limit is ${perHour})`, 'approvalRequestsPerHour', lastHour.length, perHour, frees - now);
      }
      if (attempt + 1 >= CLAIM_ATTEMPTS) throw tooMany('too many approval requests of yours are being opened at once', 'pendingApprovalsPerIdentity', live.length, maxPending, 1000);
    }
  }
}

/**
 * Frees the request's pending slot (it was decided, expired or closed). Idempotent: a retry, or a
 * request that never held a slot, changes nothing. Its place in the hourly count stays.
 *
 * @example
 * await releaseApprovalSlot(deps, item.owner, item.requestId);
 */
export async function releaseApprovalSlot(deps: Pick<ApprovalRequestLimitsDeps, 'requests'>, owner: string, requestId: string): Promise<void> {
  await deps.requests.releaseSlots(approvalLimitsKey(owner), PENDING, [requestId]);
}

/** The identity's requests counted as pending (request ids), for tests and diagnostics. */
export async function pendingApprovalSlots(deps: Pick<ApprovalRequestLimitsDeps, 'requests'>, owner: string): Promise<string[]> {
  return (await deps.requests.listSlots(approvalLimitsKey(owner)))[PENDING] ?? [];
}

/** Which cap refused (`limitName`, the policy field): the refusal is recorded as `query.throttled` with it. */
export type ApprovalLimitName = 'pendingApprovalsPerIdentity' | 'approvalRequestsPerHour';

function tooMany(message: string, limitName: ApprovalLimitName, count: number, limit: number, retryMs: number): AirlockError {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryMs / 1000));
  return new AirlockError('ERR_TOO_MANY_PENDING', `${message}; retry in ${retryAfterSeconds} s`, { details: { count, limit, limitName, retryAfterSeconds } });
}
