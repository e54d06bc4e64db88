import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalClickBody } from '#shared/adapters/slack/slack-interaction.js';
import { slackSignature } from '#shared/adapters/slack/slack-signature.js';
import type { SessionRecord } from '#shared/records/types.js';
import { FakeSlackServer } from '#test/helpers/fake-slack-server.js';
import { removeDir, startTestRuntime, type TestRuntime } from '#test/helpers/local-runtime.js';

const SECRET = 'e2e-signing-secret-0123456789abcdef';
let slack: FakeSlackServer;
let t: TestRuntime;

beforeAll(async () => {
  slack = await new FakeSlackServer().start();
  const dir = mkdtempSync(join(tmpdir(), 'airlock-slack-e2e-'));
  // 20 named approvers plus a Slack user group, so the concurrency and group paths are real.
  const approvers = Array.from({ length: 20 }, (_, i) => `  - { slackUserId: UAPPROVER${i + 1}, email: approver${i + 1}@example.com }`).join('\n');
  const policy = readFileSync('policy/default.yaml', 'utf8')
    .replace(/^approvers:\n(?:  - .*\n)+/m, `approvers:\n${approvers}\n`)
    .replace(/^approverGroups: \[\]/m, 'approverGroups: [S0APPROVERS]');
  writeFileSync(join(dir, 'policy.yaml'), policy);
  slack.groups.set('S0APPROVERS', ['UGROUPMEMBER', 'UAGENTHUMAN']);
  slack.users.set('UGROUPMEMBER', 'member@example.com');
  slack.users.set('UAGENTHUMAN', 'Agent@Example.com');
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

async function click(requestId: string, user: string, vote: 'approve' | 'deny', extra: { sqlHash?: string } = {}): Promise<{ status: number; json: any }> {
  const body = approvalClickBody({ slackUserId: user, vote, requestId, ...extra });
  const ts = String(Math.floor(Date.now() / 1000));
  return t.post('/slack/interactions', body, undefined, {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': ts,
    'x-slack-signature': slackSignature(SECRET, ts, body),
  });
}

/** Polls for work the runtime does after answering (the workflow's tasks); bounded, never a fixed sleep. */
async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

async function submit(sql: string, prompt = 'e2e'): Promise<{ requestId: string; token: string; sessionId: string; sqlHash: string }> {
  const token = await t.token();
  const res = await t.post('/v1/queries', { prompt, sql }, token);
  expect(res.status).toBe(202);
  const requestId = res.json.requestId as string;
  await until(() => [...slack.messages.values()].some((m) => JSON.stringify(m.blocks).includes(requestId)));
  const item = await t.rt.deps.requests.get(requestId);
  return { requestId, token, sessionId: res.json.sessionId, sqlHash: item!.sqlHash };
}

function messageOf(requestId: string) {
  return [...slack.messages.values()].find((m) => JSON.stringify(m.blocks).includes(requestId))!;
}

describe('approvals through Slack (a local server speaking the Web API wire format)', () => {
  it('posts the Block Kit message (escaped prompt, literal SQL, buttons bound to the SQL hash), then updates it to executed', async () => {
    const sql = 'SELECT name, salary FROM hr.employees ORDER BY id LIMIT 2';
    const { requestId, token, sqlHash } = await submit(sql, 'ping <!channel> and <@U0BOSS> via <https://evil.example|docs>');
    const m = messageOf(requestId);
    expect(m.channel).toBe('C0APPROVALS');
    const json = JSON.stringify(m.blocks);
    expect(json).not.toMatch(/<!channel>|<@U0BOSS>|<https:\/\/evil/);
    const pre = m.blocks.find((b) => b['type'] === 'rich_text') as { elements: { elements: { text: string }[] }[] };
    expect(pre.elements[0]?.elements[0]?.text).toBe(sql);
    const actions = m.blocks.find((b) => b['type'] === 'actions') as { elements: { value: string }[] };
    expect(JSON.parse(actions.elements[0]!.value)).toEqual({ requestId, sqlHash });

    expect((await click(requestId, 'UAPPROVER3', 'approve', { sqlHash })).json).toMatchObject({ recorded: true, code: 'vote_recorded' });
    expect(JSON.stringify(messageOf(requestId).blocks)).toContain('1 / 2');
    expect((await click(requestId, 'UGROUPMEMBER', 'approve', { sqlHash })).json).toMatchObject({ recorded: true, code: 'approved' });
    expect((await t.get(`/v1/queries/${requestId}?waitSeconds=20`, token)).json.status).toBe('executed');
    await until(() => JSON.stringify(messageOf(requestId).blocks).includes('Approved and executed'));
    const final = JSON.stringify(messageOf(requestId).blocks);
    expect(final).toContain('approved by <@UAPPROVER3>');
    expect(final).toContain('approved by <@UGROUPMEMBER>');
    expect(messageOf(requestId).blocks.some((b) => b['type'] === 'actions')).toBe(false);
  });

  it('a user-group member whose Slack profile email is the requester’s cannot approve (self-approval)', async () => {
    const { requestId } = await submit('SELECT salary FROM hr.employees LIMIT 1');
    expect((await click(requestId, 'UAGENTHUMAN', 'approve')).json).toMatchObject({ recorded: false, code: 'self_approval' });
    expect(slack.ephemerals.at(-1)).toMatchObject({ user: 'UAGENTHUMAN' });
  });

  it('a click on a decided request gets an ephemeral "already decided" and changes nothing', async () => {
    const { requestId, token, sessionId } = await submit("DELETE FROM orders WHERE id = 2");
    expect((await click(requestId, 'UAPPROVER1', 'deny')).json).toMatchObject({ recorded: true, code: 'rejected' });
    expect((await click(requestId, 'UAPPROVER2', 'approve')).json).toMatchObject({ recorded: false, code: 'already_decided' });
    expect(slack.ephemerals.at(-1)).toMatchObject({ user: 'UAPPROVER2' });
    expect(slack.ephemerals.at(-1)?.text).toContain('already rejected');
    const records = (await t.get(`/v1/sessions/${sessionId}`, token)).json.records as SessionRecord[];
    // The late click did not count; it is on record as approval.refused, never as a vote.
    expect(records.map((r) => r.type)).toEqual(['query.requested', 'approval.requested', 'approval.rejected', 'approval.refused']);
    expect(records[3]).toMatchObject({ actor: { slackUserId: 'UAPPROVER2' }, body: { code: 'already_decided' } });
  });

  it('a Slack retry of a delivered click is answered 200 and records nothing twice', async () => {
    const { requestId, token, sessionId } = await submit('SELECT id FROM hr.employees LIMIT 1');
    const body = approvalClickBody({ slackUserId: 'UAPPROVER5', vote: 'approve', requestId });
    const ts = String(Math.floor(Date.now() / 1000));
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSignature(SECRET, ts, body) };
    expect((await t.post('/slack/interactions', body, undefined, headers)).json).toMatchObject({ recorded: true, code: 'vote_recorded' });
    const retry = await t.post('/slack/interactions', body, undefined, { ...headers, 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(retry).toMatchObject({ status: 200, json: { recorded: false, code: 'already_voted' } });
    const records = (await t.get(`/v1/sessions/${sessionId}`, token)).json.records as SessionRecord[];
    expect(records.filter((r) => r.type === 'approval.granted')).toHaveLength(1);
  });

  it('SQL too long for a block is attached as a file in the thread, every character', async () => {
    const sql = `SELECT ${Array.from({ length: 700 }, (_, i) => `id AS c${i}`).join(', ')} FROM hr.employees LIMIT 1`;
    const { requestId } = await submit(sql);
    const m = messageOf(requestId);
    await until(() => [...slack.uploads.values()].some((u) => u.filename === `airlock-${requestId}.sql` && u.threadTs === m.ts));
    const upload = [...slack.uploads.values()].find((u) => u.filename === `airlock-${requestId}.sql`)!;
    expect(upload.body).toContain(sql);
  });

  it('20 approvers clicking at once (quorum 2) → exactly one resume, the SQL runs once', async () => {
    const { requestId, token, sessionId } = await submit('SELECT id FROM hr.employees ORDER BY id LIMIT 1');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => click(requestId, `UAPPROVER${i + 1}`, 'approve')));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.json.code === 'approved')).toHaveLength(1);
    const accepted = results.filter((r) => r.json.recorded).length;
    const done = await t.get(`/v1/queries/${requestId}?waitSeconds=20`, token);
    expect(done.json.status).toBe('executed');
    expect(done.json.votes).toHaveLength(accepted);
    const records = (await t.get(`/v1/sessions/${sessionId}`, token)).json.records as SessionRecord[];
    expect(records.filter((r) => r.type === 'query.executed')).toHaveLength(1);
  });

  it('a forged signature is 401 before anything is parsed or recorded', async () => {
    // Its own SQL: the same pending SQL from the same identity would be answered with the earlier request.
    const { requestId, token, sessionId } = await submit('SELECT id FROM hr.employees LIMIT 3');
    const body = approvalClickBody({ slackUserId: 'UAPPROVER1', vote: 'approve', requestId });
    const ts = String(Math.floor(Date.now() / 1000));
    const res = await t.post('/slack/interactions', body, undefined, { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': `v0=${'0'.repeat(64)}` });
    expect(res.status).toBe(401);
    const garbage = await t.post('/slack/interactions', 'payload=%7Bnot-json', undefined, { 'x-slack-request-timestamp': ts, 'x-slack-signature': 'v0=00' });
    expect(garbage.status).toBe(401);
    expect(((await t.get(`/v1/sessions/${sessionId}`, token)).json.records as SessionRecord[]).map((r) => r.type)).toEqual(['query.requested', 'approval.requested']);
  });
});
