import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackApproverDirectory } from '#shared/adapters/slack/slack-approver-directory.js';
import { SlackNotifier } from '#shared/adapters/slack/slack-notifier.js';
import type { ApprovalView } from '#shared/ports/notifier.js';
import { FakeSlackServer } from '#test/helpers/fake-slack-server.js';

let slack: FakeSlackServer;
let client: WebClient;
beforeAll(async () => {
  slack = await new FakeSlackServer().start();
  client = new WebClient(slack.token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
});
afterAll(() => slack.close());

const view = (over: Partial<ApprovalView> = {}): ApprovalView => ({
  requestId: '01JC0000000000000000000001',
  sessionId: 's1',
  requester: { email: 'agent@example.com' },
  prompt: 'clean up',
  sql: 'DELETE FROM orders WHERE id = 1',
  sqlHash: 'b'.repeat(64),
  risk: 'write',
  reasons: [],
  objects: [],
  approvalsRequired: 1,
  approvers: ['UAPPROVER1', 'UAPPROVER2'],
  votes: [],
  status: 'pending_approval',
  expiresAt: '2026-11-27T11:00:00.000Z',
  ...over,
});

describe('SlackNotifier against a server speaking the Slack Web API wire format', () => {
  it('posts the message to the channel with mentions and unfurling off, then updates it in place', async () => {
    const n = new SlackNotifier(client, 'C0APPROVALS');
    const ref = await n.postApproval(view());
    const post = slack.callsOf('chat.postMessage').at(-1)!;
    expect(post.args).toMatchObject({ channel: 'C0APPROVALS', link_names: 'false', unfurl_links: 'false', unfurl_media: 'false' });
    expect(slack.messages.get(ref.ts)?.blocks.some((b) => b['type'] === 'actions')).toBe(true);
    await n.updateApproval(ref, view({ status: 'executed', votes: [{ slackUserId: 'UAPPROVER1', vote: 'approve', at: 'x' }], decidedAt: 'y' }));
    const m = slack.messages.get(ref.ts)!;
    expect(m.blocks.some((b) => b['type'] === 'actions')).toBe(false);
    expect(JSON.stringify(m.blocks)).toContain('approved by <@UAPPROVER1>');
  });

  it('uploads SQL too long for a block as a file in the message thread, every character', async () => {
    const sql = `SELECT ${Array.from({ length: 800 }, (_, i) => `c${i}`).join(', ')} FROM t`;
    const ref = await new SlackNotifier(client, 'C0APPROVALS').postApproval(view({ sql }));
    const upload = [...slack.uploads.values()].at(-1)!;
    expect(upload).toMatchObject({ filename: '01JC0000000000000000000001'.replace(/^/, 'airlock-') + '.sql', channel: 'C0APPROVALS', threadTs: ref.ts });
    expect(upload.body).toContain(sql);
  });

  it('sends ephemeral replies to the clicking user only', async () => {
    await new SlackNotifier(client, 'C0APPROVALS').tellUser({ channel: 'C1', ts: '1.2' }, 'UAPPROVER1', 'already decided');
    expect(slack.ephemerals.at(-1)).toEqual({ channel: 'C1', user: 'UAPPROVER1', text: 'already decided' });
  });

  it('maps a Slack error to ERR_NOTIFIER_UNAVAILABLE', async () => {
    const bad = new WebClient('xoxb-wrong', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    await expect(new SlackNotifier(bad, 'C0APPROVALS').postApproval(view())).rejects.toMatchObject({ code: 'ERR_NOTIFIER_UNAVAILABLE' });
  });
});

describe('SlackApproverDirectory (users and user groups, cached)', () => {
  it('resolves profile emails and group members, and caches them until the TTL passes', async () => {
    let now = Date.parse('2026-11-27T10:00:00.000Z');
    const dir = new SlackApproverDirectory(client, { now: () => new Date(now) }, { ttlSeconds: 60 });
    slack.users.set('UGROUP1', 'Member@Example.com');
    slack.groups.set('S0APPROVERS', ['UGROUP1']);
    const before = slack.calls.length;
    expect(await dir.emailOf('UGROUP1')).toBe('Member@Example.com');
    expect(await dir.isMemberOf('UGROUP1', 'S0APPROVERS')).toBe(true);
    expect(await dir.isMemberOf('UOTHER', 'S0APPROVERS')).toBe(false);
    expect(await dir.emailOf('UNOBODY')).toBeNull();
    expect(slack.calls.length - before).toBe(3);
    slack.groups.set('S0APPROVERS', []);
    expect(await dir.isMemberOf('UGROUP1', 'S0APPROVERS')).toBe(true); // cached
    now += 61_000;
    expect(await dir.isMemberOf('UGROUP1', 'S0APPROVERS')).toBe(false); // refreshed
  });

  it('fails closed when Slack cannot answer a group lookup', async () => {
    const dir = new SlackApproverDirectory(client, { now: () => new Date() });
    await expect(dir.isMemberOf('U1', 'SUNKNOWN')).rejects.toMatchObject({ code: 'ERR_NOTIFIER_UNAVAILABLE' });
  });
});
