import type { RequestItem } from '../ports/request-store.js';
import type { ApprovalDeps } from './approval-deps.js';
import { approvalView } from './approval-view.js';
import { requestRecords } from './request-records.js';
import { renderDigest } from './approval-digest.js';

export type UpdateApprovalMessageDeps = Pick<ApprovalDeps, 'records' | 'notifier' | 'log'> & Partial<Pick<ApprovalDeps, 'requests'>>;

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
  // Listed in a digest: the digest is rendered again with every request it lists, as they are now.
  if (item.digest !== undefined) {
    if (deps.requests !== undefined) await renderDigest({ ...deps, requests: deps.requests }, item.digest);
    return;
  }
  try {
    const { requested } = await requestRecords(deps.records, item);
    await deps.notifier.updateApproval(item.message, approvalView(item, requested));
  } catch (e) {
    deps.log?.('warn', 'approval message update failed', { requestId: item.requestId, err: e instanceof Error ? e.message : String(e) });
  }
}
