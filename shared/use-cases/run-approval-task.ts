import { AirlockError } from '../errors.js';
import type { ApprovalTaskPayload } from '../workflow/approval-state-machine.js';
import { executeApproved, type ExecuteApprovedDeps } from './execute-approved.js';
import { expireApproval, type ExpireApprovalDeps } from './expire-approval.js';
import { finishApproval, type FinishApprovalDeps } from './finish-approval.js';
import { notifyApprovers, type NotifyApproversDeps } from './notify-approvers.js';

export type ApprovalTaskName = 'notify' | 'execute' | 'record-outcome';

/**
 * What each task reads, and nothing more: the Lambda of a task is deployed with only these parts
 * (notify: no signer, no warehouse; execute: no Slack; record-outcome: no warehouse).
 */
export interface ApprovalTaskDeps {
  notify: NotifyApproversDeps;
  execute: ExecuteApprovedDeps;
  'record-outcome': ExpireApprovalDeps & FinishApprovalDeps;
}

/**
 * One task of the approval state machine, from its payload: what each Lambda entry point (AWS)
 * and each local task handler calls. Only the request id arrives; everything else is read.
 *
 * @example
 * await runApprovalTask(deps, 'notify', { requestId, taskToken });
 * await runApprovalTask(deps, 'record-outcome', { requestId, action: 'expire' });
 */
export async function runApprovalTask<T extends ApprovalTaskName>(deps: ApprovalTaskDeps[T], task: T, payload: ApprovalTaskPayload): Promise<{ requestId: string }> {
  // Each branch below reads only the deps of its own `task` (the type of `deps` for that `T`).
  const d = deps as ApprovalTaskDeps['notify'] & ApprovalTaskDeps['execute'] & ApprovalTaskDeps['record-outcome'];
  const requestId = payload.requestId;
  if (typeof requestId !== 'string' || requestId === '') throw new AirlockError('ERR_VALIDATION', 'the task payload has no requestId');
  if (task === 'notify') {
    if (typeof payload.taskToken !== 'string' || payload.taskToken === '') throw new AirlockError('ERR_VALIDATION', 'the notify task has no taskToken');
    await notifyApprovers(d, { requestId, taskToken: payload.taskToken });
  } else if (task === 'execute') {
    await executeApproved(d, requestId);
  } else if (payload.action === 'expire') {
    await expireApproval(d, requestId);
  } else {
    await finishApproval(d, requestId);
  }
  return { requestId };
}
