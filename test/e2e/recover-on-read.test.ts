import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ISSUER } from '#local/dev-issuer.js';
import { identityKey } from '#shared/identity/principal.js';
import type { RequestItem } from '#shared/ports/request-store.js';
import { sqlHash } from '#shared/records/hash.js';
import { RECOVERY_MARGIN_SECONDS } from '#shared/use-cases/recover-interrupted.js';
import { removeDir, startTestRuntime, type TestRuntime } from '../helpers/local-runtime.js';

/**
 * GET /v1/queries/{id} on a request still `running` past its statement timeout (plus the margin):
 * the execution that claimed it died (in AWS: a Lambda killed between execute and outcome), so the
 * read answers — and stores — `outcome_unknown`. A request within its time stays `running`.
 */
let t: TestRuntime;
beforeAll(async () => {
  t = await startTestRuntime();
}, 60_000);
afterAll(async () => {
  await t?.close();
  if (t) removeDir(t.dir);
});

function runningItem(requestId: string, runningSince: Date): RequestItem {
  const sql = 'SELECT 1 AS n';
  return {
    requestId,
    sessionId: 'interrupted',
    owner: identityKey({ iss: DEV_ISSUER, sub: 'agent' }),
    status: 'running',
    risk: 'read',
    sql,
    sqlHash: sqlHash(sql),
    prompt: 'p',
    createdAt: runningSince.toISOString(),
    approvalsRequired: 0,
    votes: [],
    requestedSeq: 1,
    runningSince: runningSince.toISOString(),
  };
}

describe('GET /v1/queries/{id} recovers an interrupted request', () => {
  it('past its statement timeout plus the margin: outcome_unknown, answered and stored', async () => {
    const timeout = t.rt.deps.policy.limits.statementTimeoutSeconds;
    const id = '01JCRASHED0000000000000001';
    await t.rt.deps.requests.put(runningItem(id, new Date(Date.now() - (timeout + RECOVERY_MARGIN_SECONDS + 5) * 1000)));
    const res = await t.get(`/v1/queries/${id}`, await t.token());
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('outcome_unknown');
    expect((await t.rt.deps.requests.get(id))?.status).toBe('outcome_unknown');
  });

  it('within its time, and started in this process: still running, nothing changed', async () => {
    const id = '01JFRESH000000000000000001';
    await t.rt.deps.requests.put(runningItem(id, new Date()));
    const res = await t.get(`/v1/queries/${id}`, await t.token());
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.status).toBe('running');
    expect((await t.rt.deps.requests.get(id))?.status).toBe('running');
  });

  it('within its time but running since before this runtime started: its execution died with the previous process — outcome_unknown', async () => {
    const id = '01JFRESH000000000000000002';
    expect(t.rt.deps.executionsSince).toBeGreaterThan(0);
    await t.rt.deps.requests.put(runningItem(id, new Date(t.rt.deps.executionsSince! - 1000)));
    const res = await t.get(`/v1/queries/${id}`, await t.token());
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('outcome_unknown');
  });

  it('a direct read keeps no request item: GET at once answers it executed with its rows, the same as POST did, from its records', async () => {
    const token = await t.token();
    const posted = await t.post('/v1/queries', { prompt: 'p', sql: 'SELECT 41 + 1 AS answer', sessionId: 'fresh-read' }, token);
    expect(posted.status).toBe(200);
    const got = await t.get(`/v1/queries/${posted.json.requestId}`, token);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ requestId: posted.json.requestId, sessionId: 'fresh-read', status: 'executed', approvalsRequired: 0 });
    expect(got.json.result).toEqual(posted.json);
    // Another identity: as for any request, it does not exist.
    expect((await t.get(`/v1/queries/${posted.json.requestId}`, await t.token({ sub: 'intruder' }))).status).toBe(404);
    expect(await t.rt.deps.requests.get(posted.json.requestId)).toBeNull();
    // A well-formed id nobody minted (its time part out of range, or long past): 404, at once.
    expect((await t.get('/v1/queries/ZZZZZZZZZZZZZZZZZZZZZZZZZZ', token)).status).toBe(404);
    expect((await t.get('/v1/queries/01ARZ3NDEKTSV4RRFFQ69G5FAV', token)).status).toBe(404);
  });

  it('someone else reading a stale request gets 404 and recovers nothing', async () => {
    const timeout = t.rt.deps.policy.limits.statementTimeoutSeconds;
    const id = '01JCRASHED0000000000000002';
    await t.rt.deps.requests.put(runningItem(id, new Date(Date.now() - (timeout + RECOVERY_MARGIN_SECONDS + 5) * 1000)));
    const res = await t.get(`/v1/queries/${id}`, await t.token({ sub: 'intruder' }));
    expect(res.status).toBe(404);
    expect((await t.rt.deps.requests.get(id))?.status).toBe('running');
  });
});
