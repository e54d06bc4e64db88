import { ExecutionAlreadyExists, SendTaskSuccessCommand, SFNClient, StartExecutionCommand, TaskDoesNotExist } from '@aws-sdk/client-sfn';
import { WebClient } from '@slack/web-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SfnWorkflow } from '#shared/adapters/aws/sfn-workflow.js';
import { ConsoleNotifier } from '#shared/adapters/console/console-notifier.js';
import { LocalWorkflow } from '#shared/adapters/local-stepfunctions/local-workflow.js';
import { SlackNotifier } from '#shared/adapters/slack/slack-notifier.js';
import type { ApprovalView, Notifier } from '#shared/ports/notifier.js';
import type { Workflow } from '#shared/ports/workflow.js';
import { FakeSlackServer } from '#test/helpers/fake-slack-server.js';

/** The Workflow contract: every adapter must pass it (SfnWorkflow against the Step Functions API's answers). */
function workflowContract(name: string, make: () => { workflow: Workflow; started: () => number; close: () => Promise<void> }): void {
  describe(`Workflow contract: ${name}`, () => {
    it('a second start of the same request id starts nothing new and does not fail', async () => {
      const h = make();
      await h.workflow.start({ requestId: '01JC0000000000000000000010', timeoutSeconds: 60 });
      await h.workflow.start({ requestId: '01JC0000000000000000000010', timeoutSeconds: 30 });
      expect(h.started()).toBe(1);
      await h.close();
    });

    it('answering an unknown (or ended) wait is ERR_APPROVAL_CLOSED', async () => {
      const h = make();
      await expect(h.workflow.sendTaskSuccess('no-such-token', { decision: 'approved' })).rejects.toMatchObject({ code: 'ERR_APPROVAL_CLOSED' });
      await h.close();
    });
  });
}

workflowContract('LocalWorkflow', () => {
  let notified = 0;
  const wf = new LocalWorkflow({ notify: async () => void (notified += 1), execute: async () => null, recordOutcome: async () => null });
  const started = () => wf.running().length;
  return { workflow: wf, started: () => Math.max(started(), notified), close: () => wf.stop() };
});

const sfn = mockClient(SFNClient);
// The stub is on the client's prototype, for the whole worker process: put the real send back after this file.
afterAll(() => sfn.restore());
workflowContract('SfnWorkflow', () => {
  sfn.reset();
  let executions = 0;
  sfn.on(StartExecutionCommand).callsFake(() => {
    executions += 1;
    if (executions > 1) throw new ExecutionAlreadyExists({ message: 'exists', $metadata: {} });
    return { executionArn: 'arn:aws:states:eu-west-1:1:execution:m:01J', startDate: new Date() };
  });
  sfn.on(SendTaskSuccessCommand).rejects(new TaskDoesNotExist({ message: 'no task', $metadata: {} }));
  return { workflow: new SfnWorkflow(new SFNClient({}), 'arn:aws:states:eu-west-1:1:stateMachine:m'), started: () => Math.min(executions, 1), close: async () => undefined };
});

const view: ApprovalView = {
  requestId: '01JC0000000000000000000011',
  sessionId: 's1',
  requester: { email: 'agent@example.com' },
  prompt: 'p',
  sql: 'SELECT 1',
  sqlHash: 'c'.repeat(64),
  risk: 'write',
  reasons: [],
  objects: [],
  approvalsRequired: 1,
  approvers: ['UAPPROVER1'],
  votes: [],
  status: 'pending_approval',
  expiresAt: '2026-11-27T11:00:00.000Z',
};

/** The Notifier contract: a posted message has a ref that later updates and replies use. */
function notifierContract(name: string, make: () => Notifier): void {
  describe(`Notifier contract: ${name}`, () => {
    it('posts once, returns a ref, updates through it and replies to one user', async () => {
      const n = make();
      const ref = await n.postApproval(view);
      expect(ref).toEqual({ channel: expect.any(String), ts: expect.any(String) });
      await expect(n.updateApproval(ref, { ...view, status: 'executed' })).resolves.toBeUndefined();
      await expect(n.tellUser(ref, 'UAPPROVER1', 'already decided')).resolves.toBeUndefined();
      await expect(n.tellUser(null, 'UAPPROVER1', 'already decided')).resolves.toBeUndefined();
    });
  });
}

notifierContract('ConsoleNotifier', () => new ConsoleNotifier(() => undefined));

let slack: FakeSlackServer;
beforeAll(async () => {
  slack = await new FakeSlackServer().start();
});
afterAll(() => slack.close());
notifierContract('SlackNotifier (Slack wire-format server)', () => new SlackNotifier(new WebClient(slack.token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }), 'C0APPROVALS'));
