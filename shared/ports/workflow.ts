/** What the approval wait ends with: the interactions handler sends it as the task's output (SendTaskSuccess). */
export interface ApprovalDecision {
  decision: 'approved' | 'rejected';
}

/**
 * The execution input. Only the request id travels through the state machine (payloads are
 * capped at 256 KiB, like the SQL); every task reads the request from the requests table.
 * `timeoutSeconds` feeds the notify task's `TimeoutSecondsPath`: the policy's approval
 * timeout on a fresh start, the time left when a pending request is resumed after a restart.
 */
export interface WorkflowInput {
  requestId: string;
  timeoutSeconds: number;
}

/**
 * The approval state machine (`shared/workflow/approval-state-machine.ts`), started once per
 * request and resumed through its task token. `SfnWorkflow` runs it on Step Functions,
 * `LocalWorkflow` runs the same definition in-process with aws-local-stepfunctions.
 *
 * @example
 * await workflow.start({ requestId, timeoutSeconds: 3600 }); // a second start of the same id is a no-op
 * // …the notify task stored item.taskToken; once the quorum is claimed:
 * await workflow.sendTaskSuccess(item.taskToken, { decision: 'approved' });
 */
export interface Workflow {
  /** Starts the execution named by the request id; starting an id that already runs (or ran) does nothing. */
  start(input: WorkflowInput): Promise<void>;
  /**
   * Ends the notify task's wait with the decision. Throws `AirlockError('ERR_APPROVAL_CLOSED')`
   * when the task is gone (timed out, already answered, or the token is unknown).
   */
  sendTaskSuccess(taskToken: string, output: ApprovalDecision): Promise<void>;
  /** Fails the notify task's wait with `error` as its error name (`ERR_APPROVAL_CLOSED` as above). */
  sendTaskFailure(taskToken: string, error: string, cause?: string): Promise<void>;
}
