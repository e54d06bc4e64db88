import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '#cli/main.js';
import { approvalClickBody } from '#shared/adapters/slack/slack-interaction.js';
import { slackSignature } from '#shared/adapters/slack/slack-signature.js';
import { keyRing } from '#shared/records/key-id.js';
import type { SessionRecord } from '#shared/records/types.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { removeDir, startTestRuntime, type TestRuntime } from '#test/helpers/local-runtime.js';

let t: TestRuntime;
beforeAll(async () => {
  t = await startTestRuntime();
});
afterAll(async () => {
  await t.close();
  removeDir(t.dir);
});

function sink(): Writable & { text: string } {
  const w = new Writable({ write: (c, _e, cb) => ((w.text += String(c)), cb()) }) as Writable & { text: string };
  w.text = '';
  return w;
}

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: any; err: string }> {
  const stdout = sink();
  const stderr = sink();
  const code = await main(args, { stdin: process.stdin, stdout, stderr, env: { AIRLOCK_URL: t.rt.url, AIRLOCK_DATA_DIR: t.dir, ...env }, cwd: process.cwd() });
  let out: any = stdout.text;
  try {
    out = JSON.parse(stdout.text);
  } catch {
    // leave as text
  }
  return { code, out, err: stderr.text };
}

const HR_READ = 'SELECT name, email, salary FROM hr.employees ORDER BY id LIMIT 3'; // sensitive: 2 approvals

async function submit(sql: string, email = 'agent@example.com', sessionId?: string): Promise<{ requestId: string; token: string; body: any }> {
  const token = await t.token({ sub: email.split('@')[0], email });
  const res = await t.post('/v1/queries', { prompt: 'approval e2e', sql, ...(sessionId === undefined ? {} : { sessionId }) }, token);
  expect(res.status).toBe(202);
  return { requestId: res.json.requestId, token, body: res.json };
}

describe('approvals on the local runtime, decided with the CLI through the signed Slack interaction path', () => {
  it('two distinct approvers → executed; the agent polls the masked result; a second vote by one person does not count', async () => {
    const { requestId, token, body } = await submit(HR_READ);
    expect(body).toMatchObject({ status: 'pending_approval', approvalsRequired: 2, approvers: ['UAPPROVER1', 'UAPPROVER2'] });

    expect(await cli(['approve', requestId, '--as', 'UAPPROVER1'])).toMatchObject({ code: 0, out: { recorded: true, code: 'vote_recorded' } });
    expect(await cli(['approve', requestId, '--as', 'UAPPROVER1'])).toMatchObject({ code: 1, out: { recorded: false, code: 'already_voted' } });
    const pending = await t.get(`/v1/queries/${requestId}`, token);
    expect(pending.json).toMatchObject({ status: 'pending_approval', votes: [{ slackUserId: 'UAPPROVER1', email: 'approver1@example.com', vote: 'approve' }] });
    expect(pending.json.result).toBeUndefined();

    expect(await cli(['approve', requestId, '--as', 'UAPPROVER2'])).toMatchObject({ code: 0, out: { recorded: true, code: 'approved' } });
    const done = await t.get(`/v1/queries/${requestId}?waitSeconds=20`, token);
    expect(done.json.status).toBe('executed');
    expect(done.json.result.rowCount).toBe(3);
    expect(JSON.stringify(done.json.result.rows)).not.toMatch(/@example|@/);
    expect(done.json.votes).toHaveLength(2);

    const session = await t.get(`/v1/sessions/${body.sessionId}`, token);
    const types = (session.json.records as SessionRecord[]).filter((r) => r.requestId === requestId).map((r) => r.type);
    // The second click by UAPPROVER1 did not count: it is on record as approval.refused (already_voted).
    expect(types).toEqual(['query.requested', 'approval.requested', 'approval.granted', 'approval.refused', 'approval.granted', 'query.executed']);
    const lines = await t.rt.deps.records.list(body.sessionId);
    expect(verifyChain(lines, keyRing([await t.rt.deps.signer.publicKeyPem()]), { certificates: await t.rt.deps.records.list('system/keys') }).ok).toBe(true);
    expect(await cli(['deny', requestId, '--as', 'UAPPROVER2'])).toMatchObject({ code: 1, out: { code: 'already_decided' } });
  });

  it('only the requester and auditors may poll a request', async () => {
    const { requestId } = await submit(HR_READ);
    const other = await t.token({ sub: 'someone', email: 'someone@example.com' });
    expect((await t.get(`/v1/queries/${requestId}`, other)).status).toBe(404);
    const auditor = await t.token({ sub: 'auditor', email: 'audit@example.com', groups: ['airlock-auditors'] });
    expect((await t.get(`/v1/queries/${requestId}`, auditor)).json).toMatchObject({ requestId, status: 'pending_approval' });
  });

  it('an approved request that is being executed polls as `approved` (the internal claim state never leaks)', async () => {
    const { requestId, token } = await submit(HR_READ);
    await t.rt.deps.requests.transition(requestId, ['pending_approval'], { status: 'running' });
    expect((await t.get(`/v1/queries/${requestId}`, token)).json.status).toBe('approved');
  });

  it('a token for approver1@example.com shows self-approval refused (exit 1)', async () => {
    const { requestId } = await submit(HR_READ, 'approver1@example.com');
    expect(await cli(['approve', requestId, '--as', 'UAPPROVER1'])).toMatchObject({ code: 1, out: { recorded: false, code: 'self_approval' } });
  });

  it('a non-approver is refused (exit 1): no vote, the attempt on record as approval.refused', async () => {
    const { requestId, token, body } = await submit(HR_READ);
    expect(await cli(['approve', requestId, '--as', 'UINTRUDER1'])).toMatchObject({ code: 1, out: { code: 'not_an_approver' } });
    const session = await t.get(`/v1/sessions/${body.sessionId}`, token);
    const recs = session.json.records as SessionRecord[];
    expect(recs.map((r) => r.type)).toEqual(['query.requested', 'approval.requested', 'approval.refused']);
    expect(recs[2]).toMatchObject({ actor: { slackUserId: 'UINTRUDER1' }, body: { code: 'not_an_approver' } });
  });

  it('deny → rejected (with the reason recorded), never executed', async () => {
    const { requestId, token, body } = await submit("UPDATE orders SET status = 'cancelled' WHERE id = 1");
    expect(await cli(['deny', requestId, '--as', 'UAPPROVER2', '--reason', 'not during the freeze'])).toMatchObject({ code: 0, out: { recorded: true, code: 'rejected' } });
    expect((await t.get(`/v1/queries/${requestId}?waitSeconds=5`, token)).json.status).toBe('rejected');
    const records = (await t.get(`/v1/sessions/${body.sessionId}`, token)).json.records as SessionRecord[];
    expect(records.map((r) => r.type)).toEqual(['query.requested', 'approval.requested', 'approval.rejected']);
    expect(records[2]).toMatchObject({ actor: { kind: 'approver', slackUserId: 'UAPPROVER2', email: 'approver2@example.com' }, body: { reason: 'not during the freeze' } });
  });

  it('a forged or stale signature is 401 and records nothing; the CLI exits 2 with a wrong secret', async () => {
    // Its own SQL: an identical pending SQL from the same identity is answered with the earlier request.
    const { requestId, token, body } = await submit(`${HR_READ} -- forged`);
    const click = approvalClickBody({ slackUserId: 'UAPPROVER1', vote: 'approve', requestId });
    const now = Math.floor(Date.now() / 1000);
    const forged = await t.post('/slack/interactions', click, undefined, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(now),
      'x-slack-signature': slackSignature('not-the-secret', String(now), click),
    });
    expect(forged).toMatchObject({ status: 401, json: { error: { code: 'ERR_SLACK_SIGNATURE' } } });
    const stale = await t.post('/slack/interactions', click, undefined, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(now - 600),
      'x-slack-signature': slackSignature('whatever', String(now - 600), click),
    });
    expect(stale.status).toBe(401);
    expect(await cli(['approve', requestId, '--as', 'UAPPROVER1'], { SLACK_SIGNING_SECRET: 'wrong' })).toMatchObject({ code: 2 });
    const records = (await t.get(`/v1/sessions/${body.sessionId}`, token)).json.records as SessionRecord[];
    expect(records.map((r) => r.type)).toEqual(['query.requested', 'approval.requested']);
    expect((await t.get(`/v1/queries/${requestId}`, token)).json.votes).toEqual([]);
  });

  it('the CLI only talks to loopback and needs a request id and a Slack user id (exit 2)', async () => {
    expect((await cli(['approve', '01JC0000000000000000000000', '--as', 'UAPPROVER1'], { AIRLOCK_URL: 'http://example.com:8787' })).code).toBe(2);
    expect((await cli(['approve', '--as', 'UAPPROVER1'])).code).toBe(2);
    expect((await cli(['approve', '01JC0000000000000000000000'])).code).toBe(2);
    // An unknown request has no SQL hash to put on the click: nothing is sent (fail closed).
    expect((await cli(['approve', '01JC0000000000000000000000', '--as', 'UAPPROVER1'])).code).toBe(2);
    expect((await cli(['approve', '01JC0000000000000000000000', '--as', 'UAPPROVER1', '--sql-hash', 'f'.repeat(64)])).out).toMatchObject({ code: 'unknown_request' });
  });

  it("the CLI puts the request's SQL hash on the click: another hash is refused as sql_changed, the fetched one counts", async () => {
    const { requestId, token } = await submit(HR_READ);
    const { sqlHash } = (await t.get(`/v1/queries/${requestId}`, token)).json;
    expect(sqlHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await cli(['approve', requestId, '--as', 'UAPPROVER1', '--sql-hash', 'a'.repeat(64)])).toMatchObject({ code: 1, out: { code: 'sql_changed' } });
    expect(await cli(['deny', requestId, '--as', 'UAPPROVER2', '--reason', 'HR data needs a ticket'])).toMatchObject({ code: 0, out: { code: 'rejected' } });
    const after = (await t.get(`/v1/queries/${requestId}`, token)).json;
    expect(after).toMatchObject({ status: 'rejected', decision: { outcome: 'rejected', by: ['approver2@example.com'], reason: 'HR data needs a ticket' } });
  });

  it('20 concurrent signed clicks (the two demo approvers, ten each) → two votes, exactly one resume, the SQL runs once', async () => {
    const { requestId, token, body } = await submit(HR_READ);
    const clickers = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'UAPPROVER1' : 'UAPPROVER2'));
    const results = await Promise.all(clickers.map((u) => cli(['approve', requestId, '--as', u])));
    expect(results.filter((r) => r.out.code === 'approved')).toHaveLength(1);
    expect(results.filter((r) => r.code === 0)).toHaveLength(2);
    const done = await t.get(`/v1/queries/${requestId}?waitSeconds=20`, token);
    expect(done.json.status).toBe('executed');
    expect(done.json.votes).toHaveLength(2);
    const records = (await t.get(`/v1/sessions/${body.sessionId}`, token)).json.records as SessionRecord[];
    expect(records.filter((r) => r.type === 'approval.granted').map((r) => r.actor.slackUserId).sort()).toEqual(['UAPPROVER1', 'UAPPROVER2']);
    expect(records.filter((r) => r.type === 'query.executed')).toHaveLength(1);
  });
});
