import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbRecordStore } from '#shared/adapters/aws/dynamodb-record-store.js';
import { DynamoDbRequestStore } from '#shared/adapters/aws/dynamodb-request-store.js';
import { createTableInputs, tableNames } from '#shared/adapters/aws/tables.js';
import { AirlockError } from '#shared/errors.js';
import { identityKey } from '#shared/identity/principal.js';
import { expireApproval } from '#shared/use-cases/expire-approval.js';
import { pendingApprovalSlots } from '#shared/use-cases/approval-request-limits.js';
import { recordVote } from '#shared/use-cases/record-vote.js';
import { submitQuery, type QueryOutcome } from '#shared/use-cases/submit-query.js';
import { ensureTables, localDynamoDbClient, startDynalite, type DynaliteServer } from '#local/dynalite-server.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';
import { agent, approvalFixture, policyWith, shareTaskTokens, until, type ApprovalFixture } from '#test/unit/approval/approval-fixture.js';

/**
 * The per-identity caps hold across processes: two wirings, each with its own DynamoDB client,
 * request store and in-process locks, submit at once against one dynalite. Only the conditional
 * write on the identity's counter item stands between them.
 */
describe('approval caps across two processes on one requests table', () => {
  const t = tempDir('airlock-caps-');
  let db: DynaliteServer;
  let a: ApprovalFixture;
  let b: ApprovalFixture;
  const clients: ReturnType<typeof localDynamoDbClient>[] = [];
  const owner = identityKey(agent);
  const MAX = 5;

  async function wiring(names: ReturnType<typeof tableNames>): Promise<ApprovalFixture> {
    const base = policyWith(2);
    const f = await approvalFixture({ policy: { ...base, limits: { ...base.limits, pendingApprovalsPerIdentity: MAX, approvalRequestsPerHour: 100 } } });
    const client = localDynamoDbClient(db.endpoint);
    clients.push(client);
    Object.assign(f.deps, { requests: new DynamoDbRequestStore(client, names.requests), records: new DynamoDbRecordStore(client, names.records) });
    return f;
  }

  beforeAll(async () => {
    db = await startDynalite({ dataDir: t.dir });
    const names = tableNames('caps');
    await ensureTables(db.client, createTableInputs(names));
    a = await wiring(names);
    b = await wiring(names);
    b.deps.clock = a.deps.clock; // one time for both
    // One Step Functions service behind both: a vote in either process resumes the wait wherever it is parked.
    shareTaskTokens(a, b);
  });
  afterAll(async () => {
    await a.deps.workflow.stop();
    await b.deps.workflow.stop();
    clients.forEach((c) => c.destroy());
    await db.close();
    t.cleanup();
  });

  const pendingOf = async (): Promise<string[]> =>
    (await a.deps.requests.listByStatus('pending_approval')).filter((r) => r.owner === owner).map((r) => r.requestId).sort();

  async function flood(round: number): Promise<string[]> {
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => submitQuery((i % 2 === 0 ? a : b).deps, agent, { prompt: 'p', sql: `DELETE FROM orders WHERE id = ${round * 1000 + i}` })),
    );
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    for (const r of refused) expect(r.reason instanceof AirlockError && r.reason.code).toBe('ERR_TOO_MANY_PENDING');
    const ok = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<QueryOutcome>).value.body.requestId);
    expect(refused.length).toBe(40 - MAX);
    return ok.sort();
  }

  it('40 concurrent submissions from two wirings open exactly the cap; the counts return to zero once every request has ended', async () => {
    const opened = await flood(1);
    expect(opened).toHaveLength(MAX);
    expect(await pendingOf()).toEqual(opened);
    expect((await pendingApprovalSlots(b.deps, owner)).sort()).toEqual(opened);

    // End them all, from both processes: approvals (which then run), denials, and an expiry.
    const [x1, x2, x3, x4, x5] = opened as [string, string, string, string, string];
    await until(async () => (await Promise.all(opened.map((id) => a.deps.requests.get(id)))).every((r) => r?.taskToken !== undefined));
    expect((await recordVote(a.deps, { requestId: x1, slackUserId: 'UAPPROVER1', vote: 'approve' })).code).toBe('approved');
    expect((await recordVote(b.deps, { requestId: x2, slackUserId: 'UAPPROVER2', vote: 'approve' })).code).toBe('approved');
    expect((await recordVote(b.deps, { requestId: x3, slackUserId: 'UAPPROVER1', vote: 'deny' })).code).toBe('rejected');
    expect((await recordVote(a.deps, { requestId: x4, slackUserId: 'UAPPROVER2', vote: 'deny' })).code).toBe('rejected');
    expect(await expireApproval(b.deps, x5)).toBe(true);
    // A retried release (the expiry again, a late vote) cannot count twice or go below zero.
    expect(await expireApproval(a.deps, x5)).toBe(false);
    expect(await pendingApprovalSlots(a.deps, owner)).toEqual([]);
    expect(await pendingOf()).toEqual([]);
    await until(async () => (await a.deps.requests.get(x1))?.status === 'executed' && (await a.deps.requests.get(x2))?.status === 'executed');
    expect(await pendingApprovalSlots(b.deps, owner)).toEqual([]);

    // The slots are free again: the next flood opens exactly the cap again, not more.
    const again = await flood(2);
    expect(again).toHaveLength(MAX);
    expect(await pendingOf()).toEqual(again);
  }, 60_000);
});
