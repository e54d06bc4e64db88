import type { RequestItem } from '../ports/request-store.js';
import type { ApprovalDeps } from './approval-deps.js';
import { approvalView } from './approval-view.js';
import { requestRecords } from './request-records.js';

export type UpdateApprovalMessageDeps = Pick<ApprovalDeps, 'records' | 'notifier' | 'log'>;

/**
 * Best effort: the approval message shows the request as it is now (votes so far, or the final
 * outcome). A vote, the expiry and the finish task call it; a failed update is logged, never
 * thrown, and the next update (or the final one) puts it right.
 *
 * @example
 * await updateApprovalMessage(deps, item); // no-op when the request has no message yet
 */
export async function updateApprovalMessage(deps: UpdateApprovalMessageDeps, item: RequestItem): Promise<void> {
  if (item.message === undefined) return;
  try {
    const { requested } = await requestRecords(deps.records, item);
    await deps.notifier.updateApproval(item.message, approvalView(item, requested));
  } catch (e) {
    deps.log?.('warn', 'approval message update failed', { requestId: item.requestId, err: e instanceof Error ? e.message : String(e) });
  }
}
