import type { RecordDraft } from '#shared/use-cases/append-record.js';
import { describe, expect, it } from 'vitest';
import { keyRing } from '#shared/records/key-id.js';
import type { SessionRecord } from '#shared/records/types.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { appendRecord } from '#shared/use-cases/append-record.js';
import { recordVote } from '#shared/use-cases/record-vote.js';
import { submitQuery } from '#shared/use-cases/submit-query.js';
import { agent, approvalFixture, policyWith, untilWaiting, type ApprovalFixture } from './approval-fixture.js';

const DDL = 'CREATE TABLE audit_copy AS SELECT id, status FROM orders'; // 2 approvals

async function pending(f: ApprovalFixture): Promise<string> {
  const out = await submitQuery(f.deps, agent, { prompt: 'copy', sql: DDL, sessionId: 's1' });
  const id = out.body['requestId'] as string;
  await untilWaiting(f.deps, id);
  return id;
}

async function chain(f: ApprovalFixture): Promise<SessionRecord[]> {
  return (await f.deps.records.list('s1')).map((l) => JSON.parse(l) as SessionRecord);
}

describe('the chain tells the truth about every click', () => {
  it('a click after the request was rejected is approval.refused (already_decided), never approval.granted', async () => {
    const f = await approvalFixture({ policy: policyWith(3) });
    const id = await pending(f);
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' })).toMatchObject({ code: 'vote_recorded' });
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER3', vote: 'deny', reason: 'not during the freeze' })).toMatchObject({ code: 'rejected' });
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER2', vote: 'approve' })).toMatchObject({ recorded: false, code: 'already_decided' });
    await f.deps.workflow.settled();
    const recs = await chain(f);
    expect(recs.map((r) => r.type)).toEqual(['query.requested', 'approval.requested', 'approval.granted', 'approval.rejected', 'approval.refused']);
    expect(recs[3]?.body).toMatchObject({ votesFor: 1, approvalsRequired: 2, reason: 'not during the freeze' });
    expect(recs[4]).toMatchObject({ actor: { slackUserId: 'UAPPROVER2' }, body: { code: 'already_decided', vote: 'approve' } });
    expect(f.deps.warehouse.calls).toHaveLength(0);
  });

  it('the deciding click says 2/2; a refused click for changed SQL names both hashes', async () => {
    const f = await approvalFixture();
    const id = await pending(f);
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve', sqlHash: 'f'.repeat(64) })).toMatchObject({ code: 'sql_changed' });
    await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' });
    await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER2', vote: 'approve' });
    await f.deps.workflow.settled();
    const recs = await chain(f);
    expect(recs.map((r) => r.type)).toEqual(['query.requested', 'approval.requested', 'approval.refused', 'approval.granted', 'approval.granted', 'query.executed']);
    expect(recs[2]?.body).toMatchObject({ code: 'sql_changed', clickedSqlHash: 'f'.repeat(64) });
    expect(recs.filter((r) => r.type === 'approval.granted').map((r) => `${r.body['votesFor']}/${r.body['approvalsRequired']}`)).toEqual(['1/2', '2/2']);
    expect(verifyChain(await f.deps.records.list('s1'), keyRing([await f.deps.signer.publicKeyPem()])).findings).toEqual([]);
  });

  it('a flood of refused clicks from one user is recorded once per minute per user and request', async () => {
    const f = await approvalFixture();
    const id = await pending(f);
    for (let i = 0; i < 25; i++) expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UINTRUDER', vote: 'approve' })).toMatchObject({ code: 'not_an_approver' });
    await recordVote(f.deps, { requestId: id, slackUserId: 'UOTHER', vote: 'deny' });
    expect((await chain(f)).filter((r) => r.type === 'approval.refused').map((r) => r.actor.slackUserId)).toEqual(['UINTRUDER', 'UOTHER']);
    f.deps.clock.advance(59_000);
    await recordVote(f.deps, { requestId: id, slackUserId: 'UINTRUDER', vote: 'approve' });
    expect((await chain(f)).filter((r) => r.type === 'approval.refused')).toHaveLength(2);
    f.deps.clock.advance(2_000);
    await recordVote(f.deps, { requestId: id, slackUserId: 'UINTRUDER', vote: 'approve' });
    const refused = (await chain(f)).filter((r) => r.type === 'approval.refused');
    expect(refused).toHaveLength(3);
    expect(refused[2]?.body).toMatchObject({ code: 'not_an_approver', suppressedBefore: 25 });
    await f.deps.workflow.stop();
  });
});

describe('verify: a request whose records contradict each other is a finding', () => {
  async function forged(f: ApprovalFixture, votes: Array<['approval.granted' | 'approval.rejected', string, number]>, executedAt = votes.length): Promise<string[]> {
    const draft = { sessionId: 's9', requestId: 'r1' };
    await appendRecord(f.deps, { ...draft, type: 'query.requested', actor: { kind: 'agent', sub: 'a' }, body: { sql: DDL, sqlHash: 'h' } } as unknown as RecordDraft);
    await appendRecord(f.deps, { ...draft, type: 'approval.requested', actor: { kind: 'system' }, body: { sqlHash: 'h', approvalsRequired: 2 } } as unknown as RecordDraft);
    for (const [i, [type, who, n]] of votes.entries()) {
      if (i === executedAt) await appendRecord(f.deps, { ...draft, type: 'query.executed', actor: { kind: 'system' }, body: { sqlHash: 'h' } } as unknown as RecordDraft);
      await appendRecord(f.deps, { ...draft, type, actor: { kind: 'approver', slackUserId: who }, body: { sqlHash: 'h', votesFor: n, approvalsRequired: 2 } } as unknown as RecordDraft);
    }
    if (executedAt >= votes.length) await appendRecord(f.deps, { ...draft, type: 'query.executed', actor: { kind: 'system' }, body: { sqlHash: 'h' } } as unknown as RecordDraft);
    return f.deps.records.list('s9');
  }
  const kinds = async (f: ApprovalFixture, lines: string[]) =>
    verifyChain(lines, keyRing([await f.deps.signer.publicKeyPem()])).findings.filter((x) => x.kind === 'approval_contradiction').map((x) => x.message);

  it('executed with two distinct grants: no finding', async () => {
    const f = await approvalFixture();
    expect(await kinds(f, await forged(f, [['approval.granted', 'U1', 1], ['approval.granted', 'U2', 2]]))).toEqual([]);
  });

  it('executed with a counted rejection (the issue: grant, reject, grant 1/2)', async () => {
    const f = await approvalFixture();
    const found = await kinds(f, await forged(f, [['approval.granted', 'U1', 1], ['approval.rejected', 'U3', 1], ['approval.granted', 'U2', 1]]));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/counted approval\.rejected/);
  });

  it('a rejection recorded after the execution', async () => {
    const f = await approvalFixture();
    expect(await kinds(f, await forged(f, [['approval.granted', 'U1', 1], ['approval.granted', 'U2', 2], ['approval.rejected', 'U3', 2]], 2))).toHaveLength(1);
  });

  it('executed with fewer distinct grants than required (one person twice)', async () => {
    const f = await approvalFixture();
    const found = await kinds(f, await forged(f, [['approval.granted', 'U1', 1], ['approval.granted', 'U1', 2]]));
    expect(found).toEqual([expect.stringMatching(/1 counted approval\(s\) from distinct approvers; 2 required/)]);
  });

  it('grants recorded only after the execution do not count', async () => {
    const f = await approvalFixture();
    expect(await kinds(f, await forged(f, [['approval.granted', 'U1', 1], ['approval.granted', 'U2', 2]], 1))).toHaveLength(1);
  });
});
