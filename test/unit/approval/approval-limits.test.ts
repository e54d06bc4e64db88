import { describe, expect, it } from 'vitest';
import { AirlockError } from '#shared/errors.js';
import { errorResponse } from '#shared/http/error-response.js';
import type { Principal } from '#shared/identity/principal.js';
import type { SessionRecord } from '#shared/records/types.js';
import { recordVote } from '#shared/use-cases/record-vote.js';
import { submitQuery } from '#shared/use-cases/submit-query.js';
import { approvalLimitsKey, pendingApprovalSlots } from '#shared/use-cases/approval-request-limits.js';
import { identityKey } from '#shared/identity/principal.js';
import { agent, approvalFixture, policyWith, type ApprovalFixture } from './approval-fixture.js';

const sql = (n: number) => `DELETE FROM orders WHERE id = ${n}`; // write: one approval

async function limited(pendingApprovalsPerIdentity: number, approvalRequestsPerHour: number): Promise<ApprovalFixture> {
  const p = policyWith(2);
  return approvalFixture({ policy: { ...p, limits: { ...p.limits, pendingApprovalsPerIdentity, approvalRequestsPerHour } } });
}

async function refusal(f: ApprovalFixture, n: number, who: Principal = agent, sessionId?: string): Promise<AirlockError> {
  const e = await submitQuery(f.deps, who, { prompt: 'p', sql: sql(n), ...(sessionId === undefined ? {} : { sessionId }) }).then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(AirlockError);
  return e as AirlockError;
}

describe('approval requests are scarce', () => {
  it('the same pending SQL from the same identity returns the existing request: no second request, no second message', async () => {
    const f = await approvalFixture({ policy: policyWith(2) });
    const a = await submitQuery(f.deps, agent, { prompt: 'p', sql: sql(1), sessionId: 's1' });
    const b = await submitQuery(f.deps, agent, { prompt: 'again', sql: sql(1), sessionId: 's1' });
    const c = await submitQuery(f.deps, agent, { prompt: 'other session', sql: sql(1) });
    expect(b).toMatchObject({ kind: 'pending', body: { requestId: a.body['requestId'], status: 'pending_approval' } });
    expect(c.body['requestId']).toBe(a.body['requestId']);
    const types = (await f.deps.records.list('s1')).map((l) => (JSON.parse(l) as SessionRecord).type);
    expect(types.filter((t) => t === 'approval.requested')).toHaveLength(1);
    // Another identity asking the same is its own request.
    const d = await submitQuery(f.deps, { ...agent, sub: 'someone-else' }, { prompt: 'p', sql: sql(1) });
    expect(d.body['requestId']).not.toBe(a.body['requestId']);
    await f.deps.workflow.stop();
  });

  it('a decided request is not reused: the same SQL after a denial is a new request', async () => {
    const f = await approvalFixture({ policy: policyWith(2) });
    const a = await submitQuery(f.deps, agent, { prompt: 'p', sql: sql(1) });
    await recordVote(f.deps, { requestId: a.body['requestId'] as string, slackUserId: 'UAPPROVER1', vote: 'deny' });
    const b = await submitQuery(f.deps, agent, { prompt: 'p', sql: sql(1) });
    expect(b.body['requestId']).not.toBe(a.body['requestId']);
    await f.deps.workflow.stop();
  });

  it('beyond limits.pendingApprovalsPerIdentity: 429 ERR_TOO_MANY_PENDING with the count and Retry-After', async () => {
    const f = await limited(3, 100);
    for (let i = 0; i < 3; i++) expect((await submitQuery(f.deps, agent, { prompt: 'p', sql: sql(i) })).kind).toBe('pending');
    const e = await refusal(f, 99, agent, 'refused-pending');
    expect(e.code).toBe('ERR_TOO_MANY_PENDING');
    expect(e.details).toMatchObject({ count: 3, limit: 3 });
    const res = errorResponse(e);
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(res.body).error).toMatchObject({ code: 'ERR_TOO_MANY_PENDING', count: 3, limit: 3, requestId: e.details?.['requestId'] });
    // The refusal is evidence (issue 15): one query.throttled, alone, naming the cap; nothing was requested.
    const chain = (await f.deps.records.list('refused-pending')).map((l) => JSON.parse(l) as SessionRecord);
    expect(chain.map((r) => r.type)).toEqual(['query.throttled']);
    expect(chain[0]).toMatchObject({ requestId: e.details?.['requestId'], actor: { kind: 'agent', sub: agent.sub }, body: { limit: 'pendingApprovalsPerIdentity', retryAfterSeconds: Number(res.headers['retry-after']) } });
    // Another identity is not affected.
    expect((await submitQuery(f.deps, { ...agent, sub: 'other' }, { prompt: 'p', sql: sql(99) })).kind).toBe('pending');
    await f.deps.workflow.stop();
  });

  it('beyond limits.approvalRequestsPerHour (decided ones count too): 429 until the hour has passed', async () => {
    const f = await limited(100, 4);
    for (let i = 0; i < 4; i++) {
      const out = await submitQuery(f.deps, agent, { prompt: 'p', sql: sql(i) });
      await recordVote(f.deps, { requestId: out.body['requestId'] as string, slackUserId: 'UAPPROVER1', vote: 'deny' });
      f.deps.clock.advance(60_000);
    }
    const e = await refusal(f, 50, agent, 'refused-hourly');
    expect(e.details).toMatchObject({ count: 4, limit: 4 });
    const chain = (await f.deps.records.list('refused-hourly')).map((l) => JSON.parse(l) as SessionRecord);
    expect(chain.map((r) => [r.type, r.body['limit']])).toEqual([['query.throttled', 'approvalRequestsPerHour']]);
    expect(e.details?.['retryAfterSeconds']).toBe(3600 - 4 * 60);
    f.deps.clock.advance((3600 - 4 * 60) * 1000 + 1);
    expect((await submitQuery(f.deps, agent, { prompt: 'p', sql: sql(50) })).kind).toBe('pending');
    await f.deps.workflow.stop();
  });

  it('a concurrent flood of 40 distinct requests opens exactly the cap', async () => {
    const f = await limited(5, 100);
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => submitQuery(f.deps, agent, { prompt: 'p', sql: sql(i) })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason.code === 'ERR_TOO_MANY_PENDING')).toBe(true);
    expect(await f.deps.requests.listByStatus('pending_approval')).toHaveLength(5);
    await f.deps.workflow.stop();
  });

  it('a request that never waits (its workflow could not start) gives its pending slot back at once', async () => {
    const f = await limited(2, 100);
    f.deps.workflow.start = async () => Promise.reject(new Error('states unavailable'));
    for (let i = 0; i < 3; i++) await expect(submitQuery(f.deps, agent, { prompt: 'p', sql: sql(i) })).rejects.toMatchObject({ code: 'ERR_WORKFLOW_UNAVAILABLE' });
    expect(await pendingApprovalSlots(f.deps, identityKey(agent))).toEqual([]);
  });

  it('slots of requests that never got created (a crash after the claim) are pruned after the grace, not held for the hour', async () => {
    const f = await limited(2, 100);
    const owner = identityKey(agent);
    const at = String(f.deps.clock.now().getTime()).padStart(15, '0');
    for (const ghost of ['ghost-1', 'ghost-2']) {
      expect(await f.deps.requests.claimSlots(approvalLimitsKey(owner), [{ set: 'pending', member: ghost, max: 2 }, { set: 'opened', member: `${at}#${ghost}`, max: 100 }])).toBe(true);
    }
    // Within the grace they may still be being created: they count.
    expect((await refusal(f, 1)).details).toMatchObject({ count: 2, limit: 2 });
    f.deps.clock.advance(61_000);
    expect((await submitQuery(f.deps, agent, { prompt: 'p', sql: sql(1) })).kind).toBe('pending');
    expect((await pendingApprovalSlots(f.deps, owner)).filter((id) => id.startsWith('ghost'))).toEqual([]);
    await f.deps.workflow.stop();
  });

  it('an owner whose key holds separators cannot reach another identity\'s counter', async () => {
    const f = await limited(1, 100);
    const a: Principal = { ...agent, sub: 'x' };
    const b: Principal = { ...agent, sub: 'x#pending' };
    expect((await submitQuery(f.deps, a, { prompt: 'p', sql: sql(1) })).kind).toBe('pending');
    expect((await submitQuery(f.deps, b, { prompt: 'p', sql: sql(2) })).kind).toBe('pending');
    expect((await refusal(f, 3, a)).code).toBe('ERR_TOO_MANY_PENDING');
    await f.deps.workflow.stop();
  });
});
