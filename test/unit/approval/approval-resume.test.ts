import { describe, expect, it, vi } from 'vitest';
import { LocalWorkflow } from '#shared/adapters/local-stepfunctions/local-workflow.js';
import type { SessionRecord } from '#shared/records/types.js';
import { appendRecord } from '#shared/use-cases/append-record.js';
import { resumeApprovals } from '#shared/use-cases/resume-approvals.js';
import { runApprovalTask } from '#shared/use-cases/run-approval-task.js';
import { submitQuery } from '#shared/use-cases/submit-query.js';
import { agent, approvalFixture, untilWaiting, type ApprovalFixture } from './approval-fixture.js';

const SQL = 'SELECT name, salary FROM hr.employees LIMIT 1'; // 2 approvals (sensitive object)

/** Simulates a process restart: the in-memory executions are gone, the stores stay. */
async function restart(f: ApprovalFixture): Promise<void> {
  await f.deps.workflow.stop();
  const deps = f.deps;
  deps.workflow = new LocalWorkflow({
    notify: (p) => runApprovalTask(deps, 'notify', p),
    execute: (p) => runApprovalTask(deps, 'execute', p),
    recordOutcome: (p) => runApprovalTask(deps, 'record-outcome', p),
  });
}

async function pending(f: ApprovalFixture, sessionId: string): Promise<string> {
  const out = await submitQuery(f.deps, agent, { prompt: 'p', sql: SQL, sessionId });
  const id = out.body['requestId'] as string;
  await untilWaiting(f.deps, id);
  return id;
}

describe('LocalWorkflow.stop', () => {
  it('leaves no approval-wait timer behind (an hour-long timer kept `airlock serve` alive after Ctrl-C) and expires nothing', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const f = await approvalFixture();
    const before = timers();
    const id = await pending(f, 's1');
    expect(timers()).toBeGreaterThan(before);
    await f.deps.workflow.stop();
    expect(timers()).toBe(before);
    expect((await f.deps.requests.get(id))?.status).toBe('pending_approval');
  });
});

describe('resumeApprovals (local runtime start)', () => {
  it('re-runs a pending request with the time it has left; notify is idempotent (no second message)', async () => {
    const f = await approvalFixture();
    const id = await pending(f, 's1');
    expect(f.printed.filter((l) => l.includes('approval needed'))).toHaveLength(1);
    await restart(f);
    f.deps.clock.advance(600_000); // 10 of 60 minutes gone
    const start = vi.spyOn(f.deps.workflow, 'start');
    expect(await resumeApprovals(f.deps)).toEqual({ reconciledVotes: 0, resumed: [id], expired: [] });
    expect(start).toHaveBeenCalledWith({ requestId: id, timeoutSeconds: 3000 });
    await untilWaiting(f.deps, id);
    expect(f.printed.filter((l) => l.includes('approval needed'))).toHaveLength(1);
    await f.deps.workflow.stop();
  });

  it('expires (and records approval.expired for) a pending request whose time passed while down; it never runs', async () => {
    const f = await approvalFixture();
    const id = await pending(f, 's1');
    await restart(f);
    f.deps.clock.advance(3_600_000);
    expect(await resumeApprovals(f.deps)).toEqual({ reconciledVotes: 0, resumed: [], expired: [id] });
    expect((await f.deps.requests.get(id))?.status).toBe('expired');
    const types = (await f.deps.records.list('s1')).map((l) => (JSON.parse(l) as SessionRecord).type);
    expect(types).toEqual(['query.requested', 'approval.requested', 'approval.expired']);
    expect(f.deps.warehouse.calls).toHaveLength(0);
  });

  it('reconciles the chain with the requests table: votes counted but never written (crash between the writes) are written, once, before it runs', async () => {
    const f = await approvalFixture();
    const id = await pending(f, 's1');
    const item = (await f.deps.requests.get(id))!;
    // Both votes were claimed on the request; the process died before either reached the chain.
    const votes = [
      { slackUserId: 'UAPPROVER1', email: 'approver1@example.com', vote: 'approve' as const, at: item.createdAt },
      { slackUserId: 'UAPPROVER2', email: 'approver2@example.com', vote: 'approve' as const, at: item.createdAt },
    ];
    expect(await f.deps.requests.transitionVotes(id, ['pending_approval'], [], { votes, status: 'approved', decidedAt: item.createdAt })).toBe(true);
    await restart(f);
    const report = await resumeApprovals(f.deps);
    expect(report.reconciledVotes).toBe(2);
    expect(report.resumed).toEqual([id]);
    await f.deps.workflow.settled();
    expect((await f.deps.requests.get(id))?.status).toBe('executed');
    const recs = (await f.deps.records.list('s1')).map((l) => JSON.parse(l) as SessionRecord);
    expect(recs.map((r) => r.type)).toEqual(['query.requested', 'approval.requested', 'approval.granted', 'approval.granted', 'query.executed']);
    expect(recs.filter((r) => r.type === 'approval.granted').map((r) => r.body['votesFor'])).toEqual([1, 2]);
    expect(f.deps.warehouse.calls).toHaveLength(1);
  });

  it('an approved request whose execution died with the process runs once after the restart', async () => {
    const f = await approvalFixture();
    const id = await pending(f, 's1');
    await f.deps.workflow.stop(); // the execution dies before the votes arrive
    await f.deps.requests.transition(id, ['pending_approval'], { taskToken: 'dead-token' });
    const { recordVote } = await import('#shared/use-cases/record-vote.js');
    await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' });
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER2', vote: 'approve' })).toMatchObject({ code: 'approved' });
    expect((await f.deps.requests.get(id))?.status).toBe('approved');
    await restart(f);
    await resumeApprovals(f.deps);
    await f.deps.workflow.settled();
    expect((await f.deps.requests.get(id))?.status).toBe('executed');
    expect(f.deps.warehouse.calls).toHaveLength(1);
  });
});
