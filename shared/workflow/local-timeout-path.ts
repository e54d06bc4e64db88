import { APPROVAL_STATES, type AslDefinition } from './approval-state-machine.js';

/**
 * aws-local-stepfunctions 3.0.0 resolves a Task's `TimeoutSecondsPath` against the state's
 * EFFECTIVE input (after `Parameters`), Step Functions against the state INPUT. The shared
 * definition is written for Step Functions (`$.timeoutSeconds`); the notify task's Parameters
 * also pass the value as `Payload.timeoutSeconds`, so locally the same wait resolves from there.
 * This is the only difference between the deployed and the locally-run definition, and it lives
 * in this one file (test: test/unit/approval/approval-state-machine.test.ts shows why).
 */
export function forLocalRunner(definition: AslDefinition): AslDefinition {
  const copy = structuredClone(definition);
  const notify = copy.States[APPROVAL_STATES.notify];
  if (notify?.['TimeoutSecondsPath'] === '$.timeoutSeconds') notify['TimeoutSecondsPath'] = '$.Payload.timeoutSeconds';
  return copy;
}
