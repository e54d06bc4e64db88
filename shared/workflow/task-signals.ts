/**
 * Errors the notify task throws when the request was decided before its wait began (a vote
 * raced the notify task, or a restart resumed an already-approved request). The state machine
 * catches them by name and skips the wait: a Lambda's thrown `name` becomes the Step Functions
 * error name; locally, aws-local-stepfunctions uses the rejected Error's `name` the same way.
 * They let the notify function stay free of `states:SendTaskSuccess` (no CDK dependency cycle).
 */
export const TASK_SIGNALS = {
  approved: 'Airlock.Approved',
  rejected: 'Airlock.Rejected',
  closed: 'Airlock.Closed',
} as const;

export type TaskSignalName = (typeof TASK_SIGNALS)[keyof typeof TASK_SIGNALS];

export class TaskSignal extends Error {
  constructor(name: TaskSignalName, message: string) {
    super(message);
    this.name = name;
  }
}
