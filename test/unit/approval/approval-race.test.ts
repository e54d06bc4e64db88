import { describe, expect, it } from 'vitest';
import type { Principal } from '#shared/identity/principal.js';
import { AirlockError } from '#shared/errors.js';
import { keyRing } from '#shared/records/key-id.js';
import type { SessionRecord } from '#shared/records/types.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { expireApproval } from '#shared/use-cases/expire-approval.js';
import { recordVote, type VoteInput } from '#shared/use-cases/record-vote.js';
import { submitQuery } from '#shared/use-cases/submit-query.js';
import { approvalFixture, policyWith, until, untilWaiting, type ApprovalFixture } from './approval-fixture.js';

const DDL = 'CREATE TABLE audit_copy AS SELECT id, status FROM orders'; // privileged: 2 distinct approvers
// The requester is approver 4, through an agent whose token carries a spelling of their email.
const requester: Principal = { iss: 'https://idp.example.com', sub: 'agent-x', email: ' Approver4+bot@EXAMPLE.com', groups: [] };

function shuffled<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

async function ask(f: ApprovalFixture, sessionId: string): Promise<string> {
  const out = await submitQuery(f.deps, requester, { prompt: 'copy', sql: DDL, sessionId });
  const id = out.body['requestId'] as string;
  await untilWaiting(f.deps, id);
  return id;
}

/** Everything item 2 promises about one request's chain, and that nothing ran without its quorum. */
async function checkRequest(f: ApprovalFixture, sessionId: string, id: string, executed: number): Promise<string> {
  const lines = await f.deps.records.list(sessionId);
  const verdict = verifyChain(lines, keyRing([await f.deps.signer.publicKeyPem()]));
  expect(verdict.ok).toBe(true);
  expect(verdict.findings.filter((x) => x.kind === 'approval_contradiction')).toEqual([]);
  const recs = lines.map((l) => JSON.parse(l) as SessionRecord).filter((r) => r.requestId === id);
  const counted = recs.filter((r) => r.type === 'approval.granted' || r.type === 'approval.rejected');
  const grants = recs.filter((r) => r.type === 'approval.granted');
  const item = (await f.deps.requests.get(id))!;
  // Each person counts once; the requester never counts; every counted vote is on the request and in the chain.
  expect(new Set(counted.map((r) => r.actor.slackUserId)).size).toBe(counted.length);
  const people = counted.map((r) => (r.actor.slackUserId === 'UAPPROVER5' ? 'UAPPROVER1' : r.actor.slackUserId));
  expect(new Set(people).size).toBe(counted.length);
  expect(counted.map((r) => r.actor.slackUserId)).not.toContain('UAPPROVER4');
  expect(counted.map((r) => r.actor.slackUserId).sort()).toEqual(item.votes.map((v) => v.slackUserId).sort());
  // votesFor is the count each grant produced, in chain order; nothing counted after a decision.
  expect(grants.map((r) => r.body['votesFor'])).toEqual(grants.map((_, i) => i + 1));
  const firstEnd = recs.findIndex((r) => ['approval.rejected', 'approval.expired', 'query.executed', 'query.failed'].includes(r.type));
  expect(recs.slice(firstEnd + 1).filter((r) => r.type === 'approval.granted' || r.type === 'approval.rejected')).toEqual([]);
  // Every refused click is on record, once per person (the flood limit), with its reason.
  expect(recs.filter((r) => r.type === 'approval.refused').every((r) => typeof r.body['code'] === 'string')).toBe(true);
  const ran = recs.some((r) => r.type === 'query.executed');
  if (ran) {
    expect(grants.length).toBeGreaterThanOrEqual(2);
    expect(counted.some((r) => r.type === 'approval.rejected')).toBe(false);
    expect(item.status).toBe('executed');
  } else {
    expect(['rejected', 'expired', 'pending_approval']).toContain(item.status);
  }
  expect(executed).toBe(ran ? 1 : 0);
  return item.status;
}

describe('two-person integrity under races (LocalWorkflow, memory stores)', () => {
  it('50 rounds: two approvers, a denier and the requester click at once', { timeout: 120_000 }, async () => {
    // UAPPROVER5 is approver 1's second Slack account (its profile email is theirs): one person.
    const directory = { emailOf: async (u: string) => (u === 'UAPPROVER5' ? ' Approver1@Example.com' : null), isMemberOf: async () => false };
    const f = await approvalFixture({ policy: policyWith(5), directory });
    const outcomes: Record<string, number> = {};
    for (let round = 0; round < 50; round++) {
      const sessionId = `race-${round}`;
      const id = await ask(f, sessionId);
      const clicks: VoteInput[] = shuffled(
        [
          { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' },
          { requestId: id, slackUserId: 'UAPPROVER2', vote: 'approve' },
          { requestId: id, slackUserId: 'UAPPROVER3', vote: 'deny', reason: 'no' },
          { requestId: id, slackUserId: 'UAPPROVER4', vote: 'approve' },
          { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' }, // a double click
          { requestId: id, slackUserId: 'UAPPROVER5', vote: 'approve' }, // the same person again
        ],
        round + 1,
      );
      const before = f.deps.warehouse.calls.length;
      const results = await Promise.all(clicks.map((c) => recordVote(f.deps, c)));
      await f.deps.workflow.settled();
      expect(results.find((r, i) => clicks[i]?.slackUserId === 'UAPPROVER4')).toMatchObject({ recorded: false, code: 'self_approval' });
      const status = await checkRequest(f, sessionId, id, f.deps.warehouse.calls.length - before);
      outcomes[status] = (outcomes[status] ?? 0) + 1;
    }
    // Both endings happen across the rounds (the shuffle makes the denier win some and lose others).
    expect(Object.keys(outcomes).sort()).toEqual(['executed', 'rejected']);
  });

  it('20 rounds at the expiry deadline: votes and the timer race; nothing runs without the quorum', { timeout: 120_000 }, async () => {
    const f = await approvalFixture({ policy: policyWith(4) });
    for (let round = 0; round < 20; round++) {
      const sessionId = `deadline-${round}`;
      const id = await ask(f, sessionId);
      await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' });
      const item = (await f.deps.requests.get(id))!;
      // The clock stands one millisecond before the deadline: the second vote and the expiry race.
      f.deps.clock.advance(Date.parse(item.expiresAt!) - f.deps.clock.now().getTime() - 1);
      const before = f.deps.warehouse.calls.length;
      const racers: Array<Promise<unknown>> = [
        recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER2', vote: 'approve' }),
        expireApproval(f.deps, id),
        recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER4', vote: 'approve' }),
      ];
      if (round % 2 === 0) racers.reverse();
      await Promise.all(racers);
      // The expiry always claims the request (pending, or approved before the execution started).
      await until(async () => (await f.deps.requests.get(id))?.status === 'expired');
      await checkRequest(f, sessionId, id, f.deps.warehouse.calls.length - before);
      // At or past the deadline a click is refused as expired.
      f.deps.clock.advance(1);
      expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER3', vote: 'deny' })).toMatchObject({ recorded: false, code: 'expired' });
    }
    expect(f.deps.warehouse.calls).toHaveLength(0);
    await f.deps.workflow.stop();
  });
});

describe('an expiry whose record could not be written', () => {
  it('is completed by the retry: the record is written once, and a later call changes nothing', { timeout: 60_000 }, async () => {
    const f = await approvalFixture();
    const id = await ask(f, 'expire-retry');
    // The store refuses the approval.expired append once (after the claim landed), as a store outage would.
    const append = f.deps.records.append.bind(f.deps.records);
    let refused = 0;
    f.deps.records.append = async (record, canonical) => {
      if (record.type === 'approval.expired' && refused === 0) {
        refused++;
        throw new AirlockError('ERR_STORE_UNAVAILABLE', 'the record store failed');
      }
      return append(record, canonical);
    };
    await expect(expireApproval(f.deps, id)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    expect((await f.deps.requests.get(id))?.status).toBe('expired');
    const expiredRecords = async () => (await f.deps.records.list('expire-retry')).map((l) => JSON.parse(l) as SessionRecord).filter((r) => r.type === 'approval.expired');
    expect(await expiredRecords()).toHaveLength(0);
    // The task's retry.
    expect(await expireApproval(f.deps, id)).toBe(true);
    expect(await expiredRecords()).toHaveLength(1);
    expect(await expireApproval(f.deps, id)).toBe(false);
    expect(await expiredRecords()).toHaveLength(1);
    expect(verifyChain(await f.deps.records.list('expire-retry'), keyRing([await f.deps.signer.publicKeyPem()])).ok).toBe(true);
    await f.deps.workflow.stop();
  });
});
