import { AirlockError } from '../errors.js';
import type { ApprovalDeps } from './approval-deps.js';
import { updateApprovalMessage, type UpdateApprovalMessageDeps } from './update-approval-message.js';

export type FinishApprovalDeps = Pick<ApprovalDeps, 'requests'> & UpdateApprovalMessageDeps;

/**
 * The record-outcome task (action "finish"): the message shows the final outcome (who approved or
 * denied, when, executed / failed / rejected). The outcome records themselves were written by
 * the vote (rejected) or by the execute task.
 *
 * @example
 * await finishApproval(deps, requestId);
 */
export async function finishApproval(deps: FinishApprovalDeps, requestId: string): Promise<void> {
  const item = await deps.requests.get(requestId);
  if (item === null) throw new AirlockError('ERR_NOT_FOUND', `request ${requestId} not found`);
  await updateApprovalMessage(deps, item);
}
