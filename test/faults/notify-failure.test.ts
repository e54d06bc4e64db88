import { describe, expect, it } from 'vitest';
import { ConsoleNotifier } from '#shared/adapters/console/console-notifier.js';
import { AirlockError } from '#shared/errors.js';
import type { Workflow } from '#shared/ports/workflow.js';
import { notifyApprovers } from '#shared/use-cases/notify-approvers.js';
import { submitQuery } from '#shared/use-cases/submit-query.js';
import { agent, approvalFixture } from '#test/unit/approval/approval-fixture.js';
import { FaultInjector } from '#local/faults.js';

describe('the notify task when Slack cannot be posted to', () => {
  it('logs an error naming the request and rethrows ERR_NOTIFIER_UNAVAILABLE, so the state machine retries it', async () => {
    const faults = new FaultInjector(['slack-post-fail'], () => undefined);
    faults.arm();
    const { deps } = await approvalFixture({ notifier: faults.notifier(new ConsoleNotifier(() => undefined)) });
    const logged: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
    // The workflow is started by hand below: this test is about the one task, not the machine around it.
    const quiet = { ...deps, workflow: { start: async () => undefined } as unknown as Workflow, log: (level: 'error' | 'warn' | 'info', msg: string, fields?: Record<string, unknown>) => void logged.push({ level, msg, ...(fields === undefined ? {} : { fields }) }) };
    const pending = await submitQuery(quiet, agent, { prompt: 'p', sql: 'DELETE FROM orders WHERE id = 1' });
    const requestId = pending.body['requestId'] as string;

    const failure = await notifyApprovers(quiet, { requestId, taskToken: 't-1' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AirlockError);
    expect((failure as AirlockError).code).toBe('ERR_NOTIFIER_UNAVAILABLE');
    expect(logged).toEqual([expect.objectContaining({ level: 'error', fields: expect.objectContaining({ requestId }) })]);
    expect((await deps.requests.get(requestId))?.taskToken).toBeUndefined();
  });
});
