import { AirlockError } from '../errors.js';
import { releaseApprovalSlot } from './approval-request-limits.js';
import type { ApprovalDeps } from './approval-deps.js';
import { appendRecord, type AppendRecordDeps } from './append-record.js';
import { requestRecords } from './request-records.js';
import { withRequestLock } from './request-lock.js';
import { updateApprovalMessage, type UpdateApprovalMessageDeps } from './update-approval-message.js';

export type ExpireApprovalDeps = AppendRecordDeps & Pick<ApprovalDeps, 'requests' | 'clock'> & UpdateApprovalMessageDeps;

/**
 * The timeout: claims the request (`pending_approval`, or `approved` when the deciding vote lost
 * the race against the timer) as `expired`, records `approval.expired`, and updates the message.
 * Claiming first means a request is never both expired and run. A retry after a claim whose record
 * could not be written writes the record (the task fails on that error and is retried). Returns
 * false when there was nothing to expire.
 *
 * @example
 * await expireApproval(deps, requestId); // the record-outcome task, action "expire"
 */
export async function expireApproval(deps: ExpireApprovalDeps, requestId: string): Promise<boolean> {
  const item = await deps.requests.get(requestId);
  if (item === null) throw new AirlockError('ERR_NOT_FOUND', `request ${requestId} not found`);
  const decidedAt = deps.clock.now().toISOString();
  // Under the votes' lock: a vote claimed just before is in the chain before approval.expired.
  const claimed = await withRequestLock(deps.requests, requestId, async () => {
    if (!(await deps.requests.transition(requestId, ['pending_approval', 'approved'], { status: 'expired', decidedAt }))) {
      // Claimed already. If by an earlier attempt whose record could not be written (the task is
      // retried on that failure), the item says expired and the chain does not: the record is
      // written now, else the request would stay expired with nothing on record.
      const now = await deps.requests.get(requestId);
      if (now?.status !== 'expired' || (await requestRecords(deps.records, now)).expired) return false;
    }
    await appendRecord(deps, { sessionId: item.sessionId, requestId, type: 'approval.expired', actor: { kind: 'system' }, body: { sqlHash: item.sqlHash } });
    return true;
  });
  if (!claimed) return false;
  // Expired: the requester's pending slot is free again (idempotent; a failure here is pruned at the next refusal).
  await releaseApprovalSlot(deps, item.owner, requestId).catch(() => undefined);
  await updateApprovalMessage(deps, { ...item, status: 'expired', decidedAt });
  return true;
}
