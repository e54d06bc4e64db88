import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackNotifier } from '#shared/adapters/slack/slack-notifier.js';
import { AirlockError } from '#shared/errors.js';
import type { Principal } from '#shared/identity/principal.js';
import type { ApprovalView, MessageRef, Notifier } from '#shared/ports/notifier.js';
import { slackClient } from '#shared/wiring/slack-client.js';
import { notifyApprovers } from '#shared/use-cases/notify-approvers.js';
import { renderDigest } from '#shared/use-cases/approval-digest.js';
import { submitQuery } from '#shared/use-cases/submit-query.js';
import { FakeSlackServer, type FakeSlackMessage } from '#test/helpers/fake-slack-server.js';
import { agent, approvalFixture, policyWith, until, type ApprovalFixture } from './approval-fixture.js';

/** The burst and the digest with the real @slack/web-api against the fake Slack server, memory stores. */
let slack: FakeSlackServer;
beforeAll(async () => {
  slack = await new FakeSlackServer().start();
});
afterAll(async () => {
  await slack.close();
});

const isDigest = (m: FakeSlackMessage): boolean => /approval requests? from one requester/.test(m.text);
const listing = (m: FakeSlackMessage, id: string): boolean => JSON.stringify(m.blocks).includes(`request \`${id}\``);

async function fixture(notifier?: (inner: Notifier) => Notifier, pending = 100): Promise<ApprovalFixture & { channel: string }> {
  const channel = `C${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
  const inner = new SlackNotifier(slackClient(slack.token, slack.apiUrl), channel);
  const base = policyWith(2);
  const f = await approvalFixture({ policy: { ...base, limits: { ...base.limits, pendingApprovalsPerIdentity: pending, approvalRequestsPerHour: 1000 } }, notifier: notifier?.(inner) ?? inner });
  return { ...f, channel };
}

const messagesIn = (channel: string): FakeSlackMessage[] => [...slack.messages.values()].filter((m) => m.channel === channel);

async function submitMany(f: ApprovalFixture, n: number, from = 0, who: Principal = agent): Promise<string[]> {
  const ids: string[] = [];
  for (let i = from; i < from + n; i++) ids.push((await submitQuery(f.deps, who, { prompt: 'p', sql: `DELETE FROM orders WHERE id = ${i}` })).body['requestId'] as string);
  await until(async () => (await Promise.all(ids.map((id) => f.deps.requests.get(id)))).every((r) => r?.taskToken !== undefined));
  return ids;
}

describe('Slack burst and digest', () => {
  it('a retried notify task posts nothing again and lists nothing twice', async () => {
    const f = await fixture();
    const ids = await submitMany(f, 5);
    const posts = slack.callsOf('chat.postMessage').length;
    for (const id of ids) await notifyApprovers(f.deps, { requestId: id, taskToken: `retry-${id}` });
    expect(slack.callsOf('chat.postMessage').length).toBe(posts);
    const digest = messagesIn(f.channel).filter(isDigest);
    expect(digest).toHaveLength(1);
    expect(ids.filter((id) => listing(digest[0]!, id))).toHaveLength(2);
    expect(messagesIn(f.channel)).toHaveLength(4);
    await f.deps.workflow.stop();
  });

  it('a render reads the listed requests\' items, not their chains again (issue 15: a burst must not cost the whole gateway)', async () => {
    const f = await fixture();
    const ids = await submitMany(f, 8);
    await until(() => ids.every((id) => messagesIn(f.channel).some((m) => listing(m, id))));
    const key = (await f.deps.requests.get(ids[7]!))?.digest;
    expect(key).toBeDefined();
    const listed: string[] = [];
    const list = f.deps.records.list.bind(f.deps.records);
    f.deps.records.list = (sessionId: string, fromSeq?: number) => {
      listed.push(sessionId);
      return list(sessionId, fromSeq);
    };
    await renderDigest(f.deps, key!);
    expect(listed).toEqual([]);
    const digest = messagesIn(f.channel).filter(isDigest);
    expect(ids.filter((id) => listing(digest[0]!, id))).toHaveLength(5);
    await f.deps.workflow.stop();
  });

  it('beyond 15 entries a new digest begins; after the window the burst is free again and a stale digest is not reused', async () => {
    const f = await fixture();
    const ids = await submitMany(f, 3 + 15 + 2);
    await until(() => ids.every((id) => messagesIn(f.channel).some((m) => listing(m, id))));
    const digests = messagesIn(f.channel).filter(isDigest);
    expect(digests).toHaveLength(2);
    expect(digests.map((d) => ids.filter((id) => listing(d, id)).length).sort((a, b) => a - b)).toEqual([2, 15]);
    expect(messagesIn(f.channel).filter((m) => !isDigest(m))).toHaveLength(3);
    // Ten minutes later: three messages of their own again, then a new digest.
    f.deps.clock.advance(f.deps.policy.approval.slackBurstWindowSeconds * 1000 + 1);
    const later = await submitMany(f, 4, 100);
    await until(() => later.every((id) => messagesIn(f.channel).some((m) => listing(m, id))));
    expect(messagesIn(f.channel).filter((m) => !isDigest(m))).toHaveLength(6);
    const newest = messagesIn(f.channel).filter(isDigest);
    expect(newest).toHaveLength(3);
    expect(later.filter((id) => newest.some((d) => d !== digests[0] && d !== digests[1] && listing(d, id)))).toHaveLength(1);
    await f.deps.workflow.stop();
  }, 60_000);

  it('when the digest could not be posted, the notify task is retried and every listed request ends up in it (none waits unseen)', async () => {
    let failures = 1;
    const f = await fixture((inner) => ({
      postApproval: (v) => inner.postApproval(v),
      updateApproval: (r, v) => inner.updateApproval(r, v),
      tellUser: (r, u, t) => inner.tellUser(r, u, t),
      postDigest: async (views: ApprovalView[]): Promise<MessageRef> => {
        if (failures-- > 0) throw new AirlockError('ERR_NOTIFIER_UNAVAILABLE', 'Slack chat.postMessage failed: service_unavailable');
        return inner.postDigest!(views);
      },
      updateDigest: (r, v) => inner.updateDigest!(r, v),
    }));
    // The failed post is retried by the state machine (ERR_NOTIFIER_UNAVAILABLE, after 5 s): until waits up to 30 s of real time.
    const ids = await submitMany(f, 6, 0, agent);
    await until(() => ids.every((id) => messagesIn(f.channel).some((m) => listing(m, id))));
    expect(messagesIn(f.channel).filter(isDigest)).toHaveLength(1);
    for (const id of ids) expect((await f.deps.requests.get(id))?.status).toBe('pending_approval');
    await f.deps.workflow.stop();
  }, 60_000);

  it('the console notifier prints the digest with the command that decides each listed request', async () => {
    const f = await approvalFixture({ policy: policyWith(2) });
    const ids = await submitMany(f, 6);
    expect(f.printed.filter((l) => l.startsWith('── approval needed:'))).toHaveLength(3);
    await until(() => ids.slice(3).every((id) => f.printed.some((l) => l.startsWith('── approval digest') && l.includes(`approve ${id} --as UAPPROVER1`))));
    await f.deps.workflow.stop();
  });
});
