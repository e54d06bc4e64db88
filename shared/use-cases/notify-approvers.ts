import { AirlockError } from '../errors.js';
import type { RequestItem } from '../ports/request-store.js';
import { TASK_SIGNALS, TaskSignal } from '../workflow/task-signals.js';
import type { ApprovalDeps } from './approval-deps.js';
import { approvalView } from './approval-view.js';
import { requestRecords } from './request-records.js';
import { beyondBurst, joinDigest, renderDigest, type ApprovalDigestDeps } from './approval-digest.js';

/** Digests need a notifier that posts them, and the policy and clock of the burst. */
function digestable(deps: NotifyApproversDeps): deps is NotifyApproversDeps & ApprovalDigestDeps {
  return deps.notifier.postDigest !== undefined && deps.notifier.updateDigest !== undefined && deps.policy !== undefined && deps.clock !== undefined;
}

export type NotifyApproversDeps = Pick<ApprovalDeps, 'requests' | 'records' | 'notifier' | 'log'> & Partial<Pick<ApprovalDeps, 'clock' | 'policy'>>;

function signalFor(item: RequestItem): TaskSignal {
  if (item.status === 'approved') return new TaskSignal(TASK_SIGNALS.approved, `request ${item.requestId} was approved before the wait began`);
  if (item.status === 'rejected') return new TaskSignal(TASK_SIGNALS.rejected, `request ${item.requestId} was rejected before the wait began`);
  return new TaskSignal(TASK_SIGNALS.closed, `request ${item.requestId} is ${item.status}; nothing to wait for`);
}

/**
 * The notify task: posts the approval message once and parks the task token on the request.
 * Beyond the requester's Slack burst (`approval.slackBurst` per `approval.slackBurstWindowSeconds`)
 * the request is listed in the requester's digest message instead (`approval-digest.ts`).
 * Idempotent: a re-run (Step Functions retry, local restart) finds the stored message and only
 * stores its new token, so Slack gets no second message. A request decided before the wait
 * began ends the task with a `TaskSignal` the state machine routes on.
 *
 * @example
 * await notifyApprovers(deps, { requestId, taskToken }); // then the state machine waits on taskToken
 */
export async function notifyApprovers(deps: NotifyApproversDeps, input: { requestId: string; taskToken: string }): Promise<void> {
  const item = await deps.requests.get(input.requestId);
  if (item === null) throw new AirlockError('ERR_NOT_FOUND', `request ${input.requestId} not found`);
  if (item.status !== 'pending_approval') throw signalFor(item);
  // Beyond the requester's Slack burst, the request is listed in its digest message instead.
  if (item.message === undefined && (item.digest !== undefined || (digestable(deps) && (await beyondBurst(deps, item))))) {
    const joined = await joinDigest(deps as ApprovalDigestDeps, item);
    if (joined === null) {
      const now = await deps.requests.get(item.requestId);
      throw now === null ? new AirlockError('ERR_NOT_FOUND', `request ${input.requestId} not found`) : signalFor(now);
    }
    // The digest shows it before the wait begins; parking the token stays the task's last step (a
    // runner may accept the token only once the task has returned, as the local one does).
    await renderDigest(deps as ApprovalDigestDeps, joined.key);
    if (await deps.requests.transition(item.requestId, ['pending_approval'], { taskToken: input.taskToken, message: joined.ref, digest: joined.key })) return;
    // Decided meanwhile: the digest shows that too (the vote rendered it, or does so now).
    const now = await deps.requests.get(item.requestId);
    if (now === null) throw new AirlockError('ERR_NOT_FOUND', `request ${input.requestId} not found`);
    if (now.message === undefined && (await deps.requests.transition(item.requestId, [now.status], { message: joined.ref, digest: joined.key }))) {
      await renderDigest(deps as ApprovalDigestDeps, joined.key);
    }
    throw signalFor(now);
  }
  const { requested } = await requestRecords(deps.records, item);
  const message =
    item.message ??
    (await deps.notifier.postApproval(approvalView(item, requested)).catch((e: unknown) => {
      // Said loudly: the state machine retries this task with backoff, then expires the request (nobody was told).
      deps.log?.('error', 'approval message could not be posted; the workflow retries, then expires the request', {
        requestId: item.requestId,
        err: e instanceof Error ? e.message : String(e),
      });
      throw e;
    }));
  if (await deps.requests.transition(item.requestId, ['pending_approval'], { taskToken: input.taskToken, message })) return;
  // A vote decided the request between the read and the write: the wait must not begin.
  const now = await deps.requests.get(item.requestId);
  if (now === null) throw new AirlockError('ERR_NOT_FOUND', `request ${input.requestId} not found`);
  if (item.message === undefined && now.message === undefined) await deps.requests.transition(item.requestId, [now.status], { message });
  throw signalFor(now);
}
