import { afterEach, describe, expect, it, vi } from 'vitest';
import { keyRing } from '#shared/records/key-id.js';
import type { SessionRecord } from '#shared/records/types.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { recordVote } from '#shared/use-cases/record-vote.js';
import { submitQuery } from '#shared/use-cases/submit-query.js';
import { agent, approvalFixture, policyWith, until, untilWaiting, type ApprovalFixture } from './approval-fixture.js';

const DDL = 'CREATE TABLE audit_copy AS SELECT id, status FROM orders'; // privileged: 2 approvals by default

async function pending(f: ApprovalFixture, sql = DDL, who = agent): Promise<string> {
  const out = await submitQuery(f.deps, who, { prompt: 'copy orders for the audit', sql, sessionId: 's1' });
  expect(out.kind).toBe('pending');
  const requestId = out.body['requestId'] as string;
  await untilWaiting(f.deps, requestId);
  return requestId;
}

async function types(f: ApprovalFixture): Promise<string[]> {
  return (await f.deps.records.list('s1')).map((l) => (JSON.parse(l) as SessionRecord).type);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('approval workflow (LocalWorkflow running the shared ASL, memory stores)', () => {
  it('two distinct approvers → the stored SQL runs once, the chain holds both votes and verifies', async () => {
    const f = await approvalFixture();
    const id = await pending(f);
    expect(f.printed.join('\n')).toContain(`npm run -s airlock -- approve ${id} --as UAPPROVER1`);
    expect(f.printed.join('\n')).toContain(`npm run -s airlock -- approve ${id} --as UAPPROVER2`);
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' })).toMatchObject({ recorded: true, code: 'vote_recorded' });
    expect(f.deps.warehouse.calls).toHaveLength(0);
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER2', vote: 'approve' })).toMatchObject({ recorded: true, code: 'approved' });
    await f.deps.workflow.settled();
    expect(f.deps.warehouse.calls.map((c) => c.sql)).toEqual([DDL]);
    const item = await f.deps.requests.get(id);
    expect(item).toMatchObject({ status: 'executed', votes: [{ slackUserId: 'UAPPROVER1', email: 'approver1@example.com' }, { slackUserId: 'UAPPROVER2' }] });
    expect(await types(f)).toEqual(['query.requested', 'approval.requested', 'approval.granted', 'approval.granted', 'query.executed']);
    const lines = await f.deps.records.list('s1');
    expect(verifyChain(lines, keyRing([await f.deps.signer.publicKeyPem()])).ok).toBe(true);
    const granted = lines.map((l) => JSON.parse(l) as SessionRecord).filter((r) => r.type === 'approval.granted');
    expect(granted.map((r) => [r.actor.slackUserId, r.actor.email, r.body['sqlHash'], r.body['votesFor']])).toEqual([
      ['UAPPROVER1', 'approver1@example.com', item?.sqlHash, 1],
      ['UAPPROVER2', 'approver2@example.com', item?.sqlHash, 2],
    ]);
  });

  it('one person approving twice is one vote: still pending, nothing runs', async () => {
    const f = await approvalFixture();
    const id = await pending(f);
    await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' });
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' })).toMatchObject({ recorded: false, code: 'already_voted' });
    expect((await f.deps.requests.get(id))?.status).toBe('pending_approval');
    expect(await types(f)).toEqual(['query.requested', 'approval.requested', 'approval.granted', 'approval.refused']);
    expect(f.deps.warehouse.calls).toHaveLength(0);
    await f.deps.workflow.stop();
  });

  it('the requester cannot approve their own request (matched on email)', async () => {
    const f = await approvalFixture();
    const id = await pending(f, DDL, { ...agent, sub: 'approver-one', email: 'Approver1@Example.com' });
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' })).toMatchObject({ recorded: false, code: 'self_approval' });
    expect(await types(f)).toEqual(['query.requested', 'approval.requested', 'approval.refused']);
    await f.deps.workflow.stop();
  });

  it('an agent acting for a human (act) counts as that human: the human cannot approve', async () => {
    const f = await approvalFixture();
    const id = await pending(f, DDL, { ...agent, sub: 'approver2@example.com', email: undefined, act: { sub: 'claude-agent' } } as never);
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER2', vote: 'approve' })).toMatchObject({ code: 'self_approval' });
    await f.deps.workflow.stop();
  });

  it('a non-approver is refused and the attempt is recorded as approval.refused (no vote)', async () => {
    const f = await approvalFixture();
    const id = await pending(f);
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UINTRUDER', vote: 'approve' })).toMatchObject({ recorded: false, code: 'not_an_approver' });
    expect(await types(f)).toEqual(['query.requested', 'approval.requested', 'approval.refused']);
    await f.deps.workflow.stop();
  });

  it('a vote for other SQL than the request holds (hash on the button) is refused', async () => {
    const f = await approvalFixture();
    const id = await pending(f);
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve', sqlHash: 'f'.repeat(64) })).toMatchObject({ code: 'sql_changed' });
    await f.deps.workflow.stop();
  });

  it('one deny → rejected, never executed; later clicks are "already decided"', async () => {
    const f = await approvalFixture();
    const id = await pending(f);
    await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' });
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER2', vote: 'deny', reason: 'not today' })).toMatchObject({ recorded: true, code: 'rejected' });
    await f.deps.workflow.settled();
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER2', vote: 'approve' })).toMatchObject({ recorded: false, code: 'already_decided' });
    expect((await f.deps.requests.get(id))?.status).toBe('rejected');
    expect(f.deps.warehouse.calls).toHaveLength(0);
    const rejected = (await f.deps.records.list('s1')).map((l) => JSON.parse(l) as SessionRecord).find((r) => r.type === 'approval.rejected');
    expect(rejected?.body).toMatchObject({ reason: 'not today', votesFor: 1, approvalsRequired: 2 });
  });

  it('timeout → expired (approval.expired recorded), never executed, late votes refused — on a fake clock', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const f = await approvalFixture();
    const id = await pending(f);
    await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' });
    await vi.advanceTimersByTimeAsync(3600 * 1000);
    await until(async () => (await f.deps.requests.get(id))?.status === 'expired' && (await types(f)).includes('approval.expired'));
    await f.deps.workflow.settled();
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER2', vote: 'approve' })).toMatchObject({ recorded: false, code: 'expired' });
    expect(await types(f)).toEqual(['query.requested', 'approval.requested', 'approval.granted', 'approval.expired', 'approval.refused']);
    expect(f.deps.warehouse.calls).toHaveLength(0);
  });

  it('20 simultaneous clicks → exactly one resumes the workflow, the SQL runs once, every accepted vote is on the request', async () => {
    const f = await approvalFixture({ policy: policyWith(20) });
    const id = await pending(f);
    const resume = vi.spyOn(f.deps.workflow, 'sendTaskSuccess');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => recordVote(f.deps, { requestId: id, slackUserId: `UAPPROVER${i + 1}`, vote: 'approve' })),
    );
    await f.deps.workflow.settled();
    expect(results.filter((r) => r.code === 'approved')).toHaveLength(1);
    expect(resume).toHaveBeenCalledTimes(1);
    expect(f.deps.warehouse.calls).toHaveLength(1);
    const item = await f.deps.requests.get(id);
    const accepted = results.filter((r) => r.recorded).length;
    expect(item?.votes).toHaveLength(accepted);
    expect(item?.status).toBe('executed');
  });

  it('20 simultaneous clicks with a quorum of 20 → all 20 votes land, exactly one is the deciding one', async () => {
    const policy = policyWith(20);
    const f = await approvalFixture({ policy: { ...policy, rules: { ...policy.rules, privileged: { approval: 20 } } } });
    const id = await pending(f);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => recordVote(f.deps, { requestId: id, slackUserId: `UAPPROVER${i + 1}`, vote: 'approve' })),
    );
    await f.deps.workflow.settled();
    expect(results.every((r) => r.recorded)).toBe(true);
    expect(results.filter((r) => r.code === 'approved')).toHaveLength(1);
    expect((await f.deps.requests.get(id))?.votes).toHaveLength(20);
    expect(f.deps.warehouse.calls).toHaveLength(1);
  });

  it('votes that decide the request before its notify task stored a token still resume it (Airlock.Approved signal)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const printed: string[] = [];
    const { ConsoleNotifier } = await import('#shared/adapters/console/console-notifier.js');
    const printer = new ConsoleNotifier((l) => printed.push(l));
    const f = await approvalFixture({
      notifier: { postApproval: async (v) => (await gate, printer.postApproval(v)), updateApproval: (r, v) => printer.updateApproval(r, v), tellUser: (r, u, t) => printer.tellUser(r, u, t) },
    });
    const out = await submitQuery(f.deps, agent, { prompt: 'p', sql: DDL, sessionId: 's1' });
    const id = out.body['requestId'] as string;
    await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' });
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER2', vote: 'approve' })).toMatchObject({ code: 'approved' });
    expect((await f.deps.requests.get(id))?.taskToken).toBeUndefined();
    release();
    await f.deps.workflow.settled();
    expect((await f.deps.requests.get(id))?.status).toBe('executed');
    expect(f.deps.warehouse.calls).toHaveLength(1);
  });

  it('when nobody can be notified, the request expires at once instead of waiting unseen (fail closed)', async () => {
    const f = await approvalFixture({
      notifier: { postApproval: async () => Promise.reject(new Error('no route to Slack')), updateApproval: async () => undefined, tellUser: async () => undefined },
    });
    const out = await submitQuery(f.deps, agent, { prompt: 'p', sql: DDL, sessionId: 's1' });
    await f.deps.workflow.settled();
    expect((await f.deps.requests.get(out.body['requestId'] as string))?.status).toBe('expired');
    expect(await types(f)).toEqual(['query.requested', 'approval.requested', 'approval.expired']);
  });

  it('SQL changed under the request (stored text no longer matches the approved hash) → failed, never executed', async () => {
    const f = await approvalFixture();
    const id = await pending(f);
    await f.deps.requests.transition(id, ['pending_approval'], { sql: 'DROP TABLE orders' });
    await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' });
    await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER2', vote: 'approve' });
    await f.deps.workflow.settled();
    expect(f.deps.warehouse.calls).toHaveLength(0);
    const item = await f.deps.requests.get(id);
    expect(item?.status).toBe('failed');
    expect(item?.response).toMatchObject({ body: { error: { code: 'ERR_SQL_HASH_MISMATCH' } } });
  });
});
