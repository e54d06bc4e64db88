/**
 * The approval state machine, defined ONCE: the CDK stack serialises it into the
 * `AWS::StepFunctions::StateMachine` definition, the local runtime runs the very same object
 * with aws-local-stepfunctions. Only the task resources differ (Lambda ARNs in AWS, handler
 * names locally). Only `{ requestId, timeoutSeconds }` travels through it; every task reads
 * the request (and its stored SQL) from the requests table.
 *
 *   Notify (lambda:invoke.waitForTaskToken, TimeoutSecondsPath $.timeoutSeconds)
 *     ├─ States.Timeout ──→ RecordExpired (record-outcome, action "expire") → end
 *     └─ output { decision } → Decide (Choice)
 *          ├─ "approved" → Execute (execute: the stored SQL, checked against its hash) → RecordOutcome
 *          └─ otherwise  → RecordOutcome (updates the Slack message; the votes were recorded by the
 *                           interactions handler, once)
 *   Notify throws Airlock.Approved / Airlock.Rejected / Airlock.Closed when the request was decided
 *   before its wait began (task-signals.ts): caught → Execute / RecordOutcome.
 *   Execute's failures (Lambda errors) are caught → RecordOutcome, so the message still updates.
 *
 * The notify, execute and record-outcome tasks are separate functions on purpose: the function
 * that starts executions and sends task responses (the API) must not also be invoked by the
 * machine, or the CDK stack has a dependency cycle (docs/dependency-notes.md).
 */

import { TASK_SIGNALS } from './task-signals.js';

/** Where each task goes: Lambda function ARNs (AWS) or any stable name (local handlers). */
export interface ApprovalWorkflowResources {
  /** Posts (or re-finds) the Slack message and stores the task token on the request. Idempotent. */
  notifyFunction: string;
  /** Runs the approved, stored SQL; records `query.executed` / `query.failed`. */
  executeFunction: string;
  /** `action: "expire"` records `approval.expired`; `action: "finish"` updates the message with the final outcome. */
  recordOutcomeFunction: string;
}

/** State names, used by the local runtime to bind its handlers and by tests/assertions. */
export const APPROVAL_STATES = {
  notify: 'Notify',
  decide: 'Decide',
  execute: 'Execute',
  recordOutcome: 'RecordOutcome',
  recordExpired: 'RecordExpired',
} as const;

/** The payload each task function receives (`Parameters.Payload`). */
export interface ApprovalTaskPayload {
  requestId: string;
  /** Only for the notify task: `$$.Task.Token`, stored on the request so a vote can resume the wait. */
  taskToken?: string;
  /** Only for the notify task: how long the wait lasts (the message shows the expiry from the request). */
  timeoutSeconds?: number;
  /** Only for the record-outcome task. */
  action?: 'expire' | 'finish';
}

export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
export const LAMBDA_INVOKE_WAIT = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

/** Retries on the Lambda service's transient errors (never on the function's own errors). */
const LAMBDA_RETRY = [
  {
    ErrorEquals: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'],
    IntervalSeconds: 2,
    MaxAttempts: 3,
    BackoffRate: 2,
  },
];

/** A JSON object in Amazon States Language. */
export type AslDefinition = Record<string, unknown> & { StartAt: string; States: Record<string, Record<string, unknown>> };

/**
 * Builds the approval state machine's ASL for the given task resources.
 *
 * @example
 * // CDK (infra): sfn.DefinitionBody.fromString(JSON.stringify(approvalStateMachineDefinition({
 * //   notifyFunction: notifyFn.functionArn, executeFunction: executeFn.functionArn,
 * //   recordOutcomeFunction: recordOutcomeFn.functionArn })))
 * // Local: new StateMachine(approvalStateMachineDefinition(LOCAL_APPROVAL_RESOURCES))
 */
export function approvalStateMachineDefinition(r: ApprovalWorkflowResources): AslDefinition {
  const S = APPROVAL_STATES;
  return {
    Comment: 'Airlock approval: wait for Slack votes (task token), then run the stored SQL, or record the expiry',
    StartAt: S.notify,
    States: {
      [S.notify]: {
        Type: 'Task',
        Resource: LAMBDA_INVOKE_WAIT,
        Parameters: {
          FunctionName: r.notifyFunction,
          Payload: { 'requestId.$': '$.requestId', 'taskToken.$': '$$.Task.Token', 'timeoutSeconds.$': '$.timeoutSeconds' },
        },
        // The policy's approval timeout (or, after a local restart, the time left) comes with the
        // input; it is always set, so the 60 s / 1 year service defaults never apply.
        TimeoutSecondsPath: '$.timeoutSeconds',
        ResultPath: '$.approval',
        // Task functions throw errors named by their AirlockError code: Slack being briefly down is worth a retry.
        Retry: [...LAMBDA_RETRY, { ErrorEquals: ['ERR_NOTIFIER_UNAVAILABLE'], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2 }],
        Catch: [
          { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: S.recordExpired },
          // Decided before the wait began (see task-signals.ts): go straight on, without a token.
          { ErrorEquals: [TASK_SIGNALS.approved], ResultPath: '$.error', Next: S.execute },
          { ErrorEquals: [TASK_SIGNALS.rejected, TASK_SIGNALS.closed], ResultPath: '$.error', Next: S.recordOutcome },
          // Nobody could be told (Slack down after the retries): nobody can approve, so the request
          // expires now rather than waiting, unseen, for its timeout. Fail closed.
          { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.recordExpired },
        ],
        Next: S.decide,
      },
      [S.decide]: {
        Type: 'Choice',
        Choices: [{ Variable: '$.approval.decision', StringEquals: 'approved', Next: S.execute }],
        Default: S.recordOutcome,
      },
      [S.execute]: {
        Type: 'Task',
        Resource: LAMBDA_INVOKE,
        Parameters: { FunctionName: r.executeFunction, Payload: { 'requestId.$': '$.requestId' } },
        // The SQL runs at most once: the execute use case claims approved → running first, and no
        // Retry is configured, so a Lambda error never re-runs a statement.
        TimeoutSeconds: 900,
        ResultPath: null,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.recordOutcome }],
        Next: S.recordOutcome,
      },
      [S.recordOutcome]: {
        Type: 'Task',
        Resource: LAMBDA_INVOKE,
        Parameters: { FunctionName: r.recordOutcomeFunction, Payload: { 'requestId.$': '$.requestId', action: 'finish' } },
        TimeoutSeconds: 60,
        ResultPath: null,
        Retry: LAMBDA_RETRY,
        End: true,
      },
      [S.recordExpired]: {
        Type: 'Task',
        Resource: LAMBDA_INVOKE,
        Parameters: { FunctionName: r.recordOutcomeFunction, Payload: { 'requestId.$': '$.requestId', action: 'expire' } },
        TimeoutSeconds: 60,
        ResultPath: null,
        Retry: LAMBDA_RETRY,
        End: true,
      },
    },
  };
}

/** The resources the local runtime uses: names, not ARNs (its handlers are bound by state name). */
export const LOCAL_APPROVAL_RESOURCES: ApprovalWorkflowResources = {
  notifyFunction: 'airlock-approval-notify',
  executeFunction: 'airlock-approval-execute',
  recordOutcomeFunction: 'airlock-approval-record-outcome',
};
