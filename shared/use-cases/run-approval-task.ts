import { AirlockError } from '../errors.js';
import type { ApprovalTaskPayload } from '../workflow/approval-state-machine.js';
import type { ApprovalDeps } from './approval-deps.js';
import { executeApproved } from './execute-approved.js';
import { expireApproval } from './expire-approval.js';
import { finishApproval } from './finish-approval.js';
import { notifyApprovers } from './notify-approvers.js';

export type ApprovalTaskName = 'notify' | 'execute' | 'record-outcome';

/**
 * One task of the approval state machine, from its payload: what each Lambda entry point (AWS)
 * and each local task handler calls. Only the request id arrives; everything else is read.
 *
 * @example
 * await runApprovalTask(deps, 'notify', { requestId, taskToken });
 * await runApprovalTask(deps, 'record-outcome', { requestId, action: 'expire' });
 */
export async function runApprovalTask(deps: ApprovalDeps, task: ApprovalTaskName, payload: ApprovalTaskPayload): Promise<{ requestId: string }> {
  const requestId = payload.requestId;
  if (typeof requestId !== 'string' || requestId === '') throw new AirlockError('ERR_VALIDATION', 'the task payload has no requestId');
  if (task === 'notify') {
    if (typeof payload.taskToken !== 'string' || payload.taskToken === '') throw new AirlockError('ERR_VALIDATION', 'the notify task has no taskToken');
    await notifyApprovers(deps, { requestId, taskToken: payload.taskToken });
  } else if (task === 'execute') {
    await executeApproved(deps, requestId);
  } else if (payload.action === 'expire') {
    await expireApproval(deps, requestId);
  } else {
    await finishApproval(deps, requestId);
  }
  return { requestId };
}
