import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import '#shared/workflow/promise-with-resolvers.js';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  APPROVAL_STATES,
  approvalStateMachineDefinition,
  LAMBDA_INVOKE,
  LAMBDA_INVOKE_WAIT,
  LOCAL_APPROVAL_RESOURCES,
} from '#shared/workflow/approval-state-machine.js';
import { forLocalRunner } from '#shared/workflow/local-timeout-path.js';
import { localApprovalDefinition } from '#shared/adapters/local-stepfunctions/local-workflow.js';

const validate = createRequire(import.meta.url)('asl-validator') as (d: unknown, o?: unknown) => { isValid: boolean; errors: unknown[] };

const ARNS = {
  notifyFunction: 'arn:aws:lambda:eu-west-1:123456789012:function:airlock-notify',
  executeFunction: 'arn:aws:lambda:eu-west-1:123456789012:function:airlock-execute',
  recordOutcomeFunction: 'arn:aws:lambda:eu-west-1:123456789012:function:airlock-record-outcome',
};

describe('the approval state machine definition (one ASL for CDK and local)', () => {
  const def = approvalStateMachineDefinition(ARNS);
  const S = def.States;

  it('is valid Amazon States Language', () => {
    const result = validate(structuredClone(def)); // the validator writes QueryLanguage into what it is given
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('waits on a task token with a timeout from the input, and routes a timeout to the expiry task', () => {
    const notify = S[APPROVAL_STATES.notify]!;
    expect(notify['Resource']).toBe(LAMBDA_INVOKE_WAIT);
    expect(notify['TimeoutSecondsPath']).toBe('$.timeoutSeconds');
    expect(notify['Parameters']).toEqual({
      FunctionName: ARNS.notifyFunction,
      Payload: { 'requestId.$': '$.requestId', 'taskToken.$': '$$.Task.Token', 'timeoutSeconds.$': '$.timeoutSeconds' },
    });
    const catches = notify['Catch'] as { ErrorEquals: string[]; Next: string }[];
    expect(catches[0]).toMatchObject({ ErrorEquals: ['States.Timeout'], Next: APPROVAL_STATES.recordExpired });
    expect(S[APPROVAL_STATES.recordExpired]!['Parameters']).toEqual({ FunctionName: ARNS.recordOutcomeFunction, Payload: { 'requestId.$': '$.requestId', action: 'expire' } });
  });

  it('chooses on the decision and runs execute only for "approved"', () => {
    expect(S[APPROVAL_STATES.decide]).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.approval.decision', StringEquals: 'approved', Next: APPROVAL_STATES.execute }],
      Default: APPROVAL_STATES.recordOutcome,
    });
    const exec = S[APPROVAL_STATES.execute]!;
    expect(exec).toMatchObject({ Resource: LAMBDA_INVOKE, Parameters: { FunctionName: ARNS.executeFunction, Payload: { 'requestId.$': '$.requestId' } } });
    // A statement must never run twice because a Lambda call was retried.
    expect(exec['Retry']).toBeUndefined();
  });

  it('passes only the request id (and the wait) to its tasks, never SQL or results', () => {
    const payloads = Object.values(S).map((s) => (s['Parameters'] as { Payload?: Record<string, unknown> } | undefined)?.Payload ?? {});
    for (const p of payloads) expect(Object.keys(p).every((k) => ['requestId.$', 'taskToken.$', 'timeoutSeconds.$', 'action'].includes(k))).toBe(true);
    for (const s of Object.values(S)) if (s['Type'] === 'Task' && s !== S[APPROVAL_STATES.notify]) expect(s['ResultPath']).toBeNull();
  });

  it('every Task has an explicit timeout (the local runner and Step Functions defaults never apply)', () => {
    for (const s of Object.values(S)) if (s['Type'] === 'Task') expect(s['TimeoutSeconds'] ?? s['TimeoutSecondsPath']).toBeDefined();
  });

  it('the local runner\'s definition, as LocalWorkflow runs it (unvalidated at start), passes the runner\'s validator and asl-validator', () => {
    const local = localApprovalDefinition();
    expect(() => new StateMachine(local as unknown as StateMachineDefinition, { validationOptions: { checkArn: false } })).not.toThrow();
    expect(validate(local, { checkArn: false, checkPaths: true })).toMatchObject({ isValid: true, errors: [] });
    // The check can fail: the same definition pointing at a state that does not exist.
    const broken = { ...local, StartAt: 'NoSuchState' };
    expect(() => new StateMachine(broken as unknown as StateMachineDefinition, { validationOptions: { checkArn: false } })).toThrow(/invalid/);
  });

  it('differs between runtimes only by the task resources', () => {
    const local = JSON.stringify(approvalStateMachineDefinition(LOCAL_APPROVAL_RESOURCES));
    const swapped = Object.entries(ARNS).reduce((text, [k, arn]) => text.split(arn).join(LOCAL_APPROVAL_RESOURCES[k as keyof typeof ARNS]), JSON.stringify(def));
    expect(swapped).toBe(local);
  });

  it('why forLocalRunner exists: aws-local-stepfunctions 3.0.0 resolves TimeoutSecondsPath after Parameters, Step Functions before', async () => {
    const handlers = { [APPROVAL_STATES.notify]: async () => ({ decision: 'rejected' }), [APPROVAL_STATES.recordOutcome]: async () => ({}) };
    const raw = new StateMachine(def as unknown as StateMachineDefinition, { validationOptions: { checkArn: false } });
    await expect(raw.run({ requestId: 'r1', timeoutSeconds: 60 }, { overrides: { taskResourceLocalHandlers: handlers }, context: { Task: { Token: 't' } } as never }).result).rejects.toThrow(
      /timeoutSeconds' does not point to a value/,
    );
    const local = new StateMachine(forLocalRunner(def) as unknown as StateMachineDefinition, { validationOptions: { checkArn: false } });
    await expect(local.run({ requestId: 'r1', timeoutSeconds: 60 }, { overrides: { taskResourceLocalHandlers: handlers }, context: { Task: { Token: 't' } } as never }).result).resolves.toMatchObject({
      requestId: 'r1',
      approval: { decision: 'rejected' },
    });
    // …and it changes nothing but that one path.
    const changed = forLocalRunner(def);
    changed.States[APPROVAL_STATES.notify]!['TimeoutSecondsPath'] = '$.timeoutSeconds';
    expect(changed).toEqual(def);
  });
});
