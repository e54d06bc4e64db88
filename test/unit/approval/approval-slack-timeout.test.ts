import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SlackNotifier } from '#shared/adapters/slack/slack-notifier.js';
import { recordVote } from '#shared/use-cases/record-vote.js';
import { submitQuery } from '#shared/use-cases/submit-query.js';
import { FakeSlackServer } from '#test/helpers/fake-slack-server.js';
import { agent, approvalFixture, until, untilWaiting } from './approval-fixture.js';

let slack: FakeSlackServer;
beforeAll(async () => {
  slack = await new FakeSlackServer().start();
});
afterAll(() => slack.close());

describe('timeout with the Slack notifier (fake clock for the wait, a Slack wire-format server for the messages)', () => {
  it('expires: approval.expired recorded, the message updated to Expired without buttons, the SQL never runs', async () => {
    const client = new WebClient(slack.token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    const f = await approvalFixture({ notifier: new SlackNotifier(client, 'C0APPROVALS') });
    // Only the state machine's timer is faked; HTTP to the Slack server keeps real time.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const out = await submitQuery(f.deps, agent, { prompt: 'p', sql: 'SELECT salary FROM hr.employees LIMIT 1', sessionId: 's1' });
      const id = out.body['requestId'] as string;
      await untilWaiting(f.deps, id);
      const ts = (await f.deps.requests.get(id))!.message!.ts;
      expect(slack.messages.get(ts)?.blocks.some((b) => b['type'] === 'actions')).toBe(true);
      await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' });
      await vi.advanceTimersByTimeAsync(3600 * 1000);
      await until(() => JSON.stringify(slack.messages.get(ts)?.blocks ?? []).includes('Expired'));
      expect((await f.deps.requests.get(id))?.status).toBe('expired');
      expect(slack.messages.get(ts)?.blocks.some((b) => b['type'] === 'actions')).toBe(false);
      expect(f.deps.warehouse.calls).toHaveLength(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
