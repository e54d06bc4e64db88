import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalClickBody } from '#shared/adapters/slack/slack-interaction.js';
import { slackSignature } from '#shared/adapters/slack/slack-signature.js';
import type { SessionRecord } from '#shared/records/types.js';
import { expireApproval } from '#shared/use-cases/expire-approval.js';
import { FakeSlackServer, type FakeSlackMessage } from '#test/helpers/fake-slack-server.js';
import { removeDir, startTestRuntime, type TestRuntime } from '#test/helpers/local-runtime.js';

/**
 * One identity beyond its Slack burst (approval.slackBurst, default 3 per 10 min): its further
 * requests are listed in one digest message, each still decidable from there. The real local
 * runtime (dynalite, the local Step Functions runner), the real @slack/web-api against the fake
 * Slack server, clicks through the signed /slack/interactions endpoint.
 */
const SECRET = 'digest-signing-secret-0123456789abcdef';
const BURST = 3;
let slack: FakeSlackServer;
let t: TestRuntime;

beforeAll(async () => {
  slack = await new FakeSlackServer().start();
  const dir = mkdtempSync(join(tmpdir(), 'airlock-digest-e2e-'));
  // UAGENTHUMAN is an approver who is also the person the agent's token names.
  const approvers = [...Array.from({ length: 4 }, (_, i) => `  - { slackUserId: UAPPROVER${i + 1}, email: approver${i + 1}@example.com }`), '  - { slackUserId: UAGENTHUMAN, email: Agent@Example.com }'].join('\n');
  const policy = readFileSync('policy/default.yaml', 'utf8').replace(/^approvers:\n(?:  - .*\n)+/m, `approvers:\n${approvers}\n`);
  expect(policy).toMatch(/slackBurst: 3\b/); // the documented default is the one under test
  writeFileSync(join(dir, 'policy.yaml'), policy);
  slack.users.set('UAGENTHUMAN', 'agent@example.com');
  t = await startTestRuntime(
    { AIRLOCK_POLICY: join(dir, 'policy.yaml'), SLACK_BOT_TOKEN: slack.token, SLACK_CHANNEL: 'C0APPROVALS', SLACK_API_URL: slack.apiUrl, SLACK_SIGNING_SECRET: SECRET },
    dir,
  );
});
afterAll(async () => {
  await t.close();
  await slack.close();
  removeDir(t.dir);
});

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  expect(await cond()).toBe(true);
}

async function click(value: { requestId: string; sqlHash?: string }, user: string, vote: 'approve' | 'deny', reason?: string): Promise<any> {
  const body = approvalClickBody({ slackUserId: user, vote, ...value, ...(reason === undefined ? {} : { reason }) });
  const ts = String(Math.floor(Date.now() / 1000));
  const res = await t.post('/slack/interactions', body, undefined, {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': ts,
    'x-slack-signature': slackSignature(SECRET, ts, body),
  });
  expect(res.status).toBe(200);
  return res.json;
}

const isDigest = (m: FakeSlackMessage): boolean => m.blocks.some((b) => b['type'] === 'actions' && String(b['block_id']).startsWith('airlock_vote_')) || /approval requests? from one requester/.test(m.text);
const digests = (): FakeSlackMessage[] => [...slack.messages.values()].filter(isDigest);
const singles = (): FakeSlackMessage[] => [...slack.messages.values()].filter((m) => !isDigest(m));

/** The digest entry's buttons (what Slack would send back on a click), or null when it has none. */
function buttonsOf(m: FakeSlackMessage, requestId: string): { requestId: string; sqlHash: string } | null {
  const actions = m.blocks.find((b) => b['type'] === 'actions' && b['block_id'] === `airlock_vote_${requestId}`) as { elements: { value: string; action_id: string }[] } | undefined;
  if (actions === undefined) return null;
  expect(actions.elements.map((e) => e.action_id)).toEqual(['airlock_approve', 'airlock_deny']);
  return JSON.parse(actions.elements[0]!.value) as { requestId: string; sqlHash: string };
}

function entryText(m: FakeSlackMessage, requestId: string): string {
  const section = m.blocks.find((b) => b['type'] === 'section' && JSON.stringify(b).includes(`request \`${requestId}\``));
  return JSON.stringify(section ?? null);
}

describe('Slack digest beyond the burst (local runtime, fake Slack)', () => {
  const ids: string[] = [];
  let token: string;

  it('a burst of 10 requests from one identity posts at most the burst as messages of their own, plus one digest listing the rest', async () => {
    token = await t.token();
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => t.post('/v1/queries', { prompt: `clean up <!channel> ${i}`, sql: `DELETE FROM orders WHERE id = ${100 + i}` }, token)),
    );
    for (const a of answers) expect(a.status).toBe(202);
    ids.push(...answers.map((a) => a.json.requestId as string));
    const deps = t.rt.deps.approvals!.deps;
    await until(async () => (await Promise.all(ids.map((id) => deps.requests.get(id)))).every((r) => r?.taskToken !== undefined));
    // The last render of the digest lands after the notify tasks stored their tokens.
    await until(() => ids.every((id) => [...slack.messages.values()].some((m) => JSON.stringify(m.blocks).includes(`request \`${id}\``))));
    expect(slack.callsOf('chat.postMessage').length).toBeLessThanOrEqual(BURST + 1);
    expect(singles()).toHaveLength(BURST);
    expect(digests()).toHaveLength(1);
    const digest = digests()[0]!;
    // Every request is in exactly one message; the digest's entries are the other 7, each with its own buttons bound to its hash.
    const inSingles = ids.filter((id) => singles().some((m) => JSON.stringify(m.blocks).includes(id)));
    const inDigest = ids.filter((id) => JSON.stringify(digest.blocks).includes(id));
    expect(inSingles).toHaveLength(BURST);
    expect(inDigest.sort()).toEqual(ids.filter((id) => !inSingles.includes(id)).sort());
    for (const id of inDigest) {
      const item = await deps.requests.get(id);
      expect(buttonsOf(digest, id)).toEqual({ requestId: id, sqlHash: item!.sqlHash });
      expect(item!.message).toEqual({ channel: digest.channel, ts: digest.ts });
      // The SQL, literal; the prompt escaped; who asked; the risk.
      expect(JSON.stringify(digest.blocks)).toContain(JSON.stringify(item!.sql));
    }
    const json = JSON.stringify(digest.blocks);
    expect(json).not.toContain('<!channel>');
    expect(json).toContain('agent@example.com');
    expect(json).toContain('`write`');
    expect(digest.blocks.length).toBeLessThanOrEqual(50);
  });

  it("another identity's request still gets a message of its own", async () => {
    const before = slack.callsOf('chat.postMessage').length;
    const other = await t.token({ sub: 'other-agent', email: 'other@example.com' });
    const res = await t.post('/v1/queries', { prompt: 'mine', sql: 'DELETE FROM orders WHERE id = 999' }, other);
    expect(res.status).toBe(202);
    await until(() => singles().some((m) => JSON.stringify(m.blocks).includes(res.json.requestId)));
    expect(slack.callsOf('chat.postMessage').length).toBe(before + 1);
    expect(JSON.stringify(digests()[0]!.blocks)).not.toContain(res.json.requestId);
  });

  it('approving from the digest runs that request and updates the digest; the other entries keep their buttons', async () => {
    const digest = digests()[0]!;
    const listed = ids.filter((id) => buttonsOf(digest, id) !== null);
    const x = listed[0]!;
    expect(await click(buttonsOf(digest, x)!, 'UAPPROVER1', 'approve')).toMatchObject({ recorded: true, code: 'approved' });
    expect((await t.get(`/v1/queries/${x}?waitSeconds=20`, token)).json.status).toBe('executed');
    await until(() => entryText(digests()[0]!, x).includes('Approved and executed'));
    expect(buttonsOf(digests()[0]!, x)).toBeNull();
    for (const id of listed.slice(1)) expect(buttonsOf(digests()[0]!, id)).not.toBeNull();
    expect(digests()).toHaveLength(1); // updated in place, not posted again
  });

  it('a denial and an expiry update the digest (who denied and why; expired), without buttons', async () => {
    const digest = digests()[0]!;
    const listed = ids.filter((id) => buttonsOf(digest, id) !== null);
    const [y, z] = listed as [string, string];
    expect(await click(buttonsOf(digest, y)!, 'UAPPROVER2', 'deny', 'not <!here> today')).toMatchObject({ recorded: true, code: 'rejected' });
    await until(() => entryText(digests()[0]!, y).includes('Rejected by <@UAPPROVER2>'));
    expect(entryText(digests()[0]!, y)).toContain('not &lt;!here&gt; today');
    expect(buttonsOf(digests()[0]!, y)).toBeNull();
    expect(await expireApproval(t.rt.deps.approvals!.deps, z)).toBe(true);
    await until(() => entryText(digests()[0]!, z).includes('Expired'));
    expect(buttonsOf(digests()[0]!, z)).toBeNull();
  });

  it("a click from the digest carrying another request's SQL hash is refused (sql_changed) and recorded, nothing counted", async () => {
    const digest = digests()[0]!;
    const listed = ids.filter((id) => buttonsOf(digest, id) !== null);
    const [v, w] = listed as [string, string];
    const forged = { requestId: w, sqlHash: buttonsOf(digest, v)!.sqlHash };
    expect(await click(forged, 'UAPPROVER3', 'approve')).toMatchObject({ recorded: false, code: 'sql_changed' });
    const item = await t.rt.deps.approvals!.deps.requests.get(w);
    expect(item).toMatchObject({ status: 'pending_approval', votes: [] });
    const records = (await t.get(`/v1/sessions/${item!.sessionId}`, token)).json.records as SessionRecord[];
    expect(records.map((r) => r.type)).toEqual(['query.requested', 'approval.requested', 'approval.refused']);
    // Self-approval is refused from the digest as from a message of its own.
    expect(await click(buttonsOf(digest, w)!, 'UAGENTHUMAN', 'approve')).toMatchObject({ recorded: false, code: 'self_approval' });
    // The right hash from the right entry still works.
    expect(await click(buttonsOf(digest, w)!, 'UAPPROVER3', 'deny')).toMatchObject({ recorded: true, code: 'rejected' });
  });
});
