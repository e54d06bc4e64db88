import { AirlockError } from '#shared/errors.js';
import { runApprovalTask, type ApprovalTaskDeps, type ApprovalTaskName } from '#shared/use-cases/run-approval-task.js';
import { lambdaLog } from '#shared/wiring/aws.js';
import type { ApprovalTaskPayload } from '#shared/workflow/approval-state-machine.js';

export type ApprovalTaskHandler = (payload: ApprovalTaskPayload) => Promise<{ requestId: string }>;

/**
 * A Lambda handler for one task of the approval state machine (`lambda:invoke`, payload
 * `{ requestId, taskToken?, action? }`). An error propagates as the task's error, named by its
 * code (Step Functions matches on the error name), so the machine's Catch and Retry see it.
 * `deps` holds exactly what that task reads (`ApprovalTaskDeps`), nothing of the other tasks.
 *
 * @example
 * export const handler = approvalTask('notify', () => awsWiring(process.env).notifyDeps());
 */
export function approvalTask<T extends ApprovalTaskName>(task: T, deps: () => Promise<ApprovalTaskDeps[T]>): ApprovalTaskHandler {
  return async (payload) => {
    try {
      return await runApprovalTask(await deps(), task, payload);
    } catch (e) {
      lambdaLog('error', `approval task ${task} failed`, { requestId: payload?.requestId, code: e instanceof AirlockError ? e.code : undefined, err: String(e) });
      if (e instanceof AirlockError) {
        // Lambda reports `errorType` from the error's name; the code is the stable part.
        const named = new Error(e.message, { cause: e });
        named.name = e.code;
        throw named;
      }
      throw e;
    }
  };
}
