import {
  ExecutionAlreadyExists,
  InvalidArn,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SfnWorkflow } from '#shared/adapters/aws/sfn-workflow.js';

const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:airlock-approval';
const sfn = mockClient(SFNClient);
// The stub is on the client's prototype, for the whole worker process: put the real send back after this file.
afterAll(() => sfn.restore());

beforeEach(() => sfn.reset());

describe('SfnWorkflow (Step Functions API, requests checked with aws-sdk-client-mock)', () => {
  it('starts one execution named by the request id, with only the id and the wait as input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:01J`, startDate: new Date() });
    await new SfnWorkflow(new SFNClient({}), ARN).start({ requestId: '01JABCDEFGHJKMNPQRSTVWXYZ0', timeoutSeconds: 3600 });
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: ARN,
      name: '01JABCDEFGHJKMNPQRSTVWXYZ0',
      input: JSON.stringify({ requestId: '01JABCDEFGHJKMNPQRSTVWXYZ0', timeoutSeconds: 3600 }),
    });
  });

  it('a retried start of the same request is a no-op (ExecutionAlreadyExists)', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    await expect(new SfnWorkflow(new SFNClient({}), ARN).start({ requestId: 'r1', timeoutSeconds: 10 })).resolves.toBeUndefined();
  });

  it('other start failures are ERR_WORKFLOW_UNAVAILABLE', async () => {
    sfn.on(StartExecutionCommand).rejects(new InvalidArn({ message: 'bad', $metadata: {} }));
    await expect(new SfnWorkflow(new SFNClient({}), ARN).start({ requestId: 'r1', timeoutSeconds: 10 })).rejects.toMatchObject({ code: 'ERR_WORKFLOW_UNAVAILABLE' });
  });

  it('resumes with SendTaskSuccess (output = the decision) and fails with SendTaskFailure', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
    const wf = new SfnWorkflow(new SFNClient({}), ARN);
    await wf.sendTaskSuccess('tok-1', { decision: 'approved' });
    await wf.sendTaskFailure('tok-2', 'Airlock.Cancelled', 'operator');
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({ taskToken: 'tok-1', output: '{"decision":"approved"}' });
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toEqual({ taskToken: 'tok-2', error: 'Airlock.Cancelled', cause: 'operator' });
  });

  it('a token whose wait has ended (timed out) is ERR_APPROVAL_CLOSED', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'timed out', $metadata: {} }));
    await expect(new SfnWorkflow(new SFNClient({}), ARN).sendTaskSuccess('tok', { decision: 'approved' })).rejects.toMatchObject({ code: 'ERR_APPROVAL_CLOSED' });
  });
});
