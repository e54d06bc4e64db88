import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestRuntime, type TestRuntime } from '../helpers/local-runtime.js';

let t: TestRuntime;
let agent: string;

beforeAll(async () => {
  t = await startTestRuntime();
  agent = await t.token();
});
afterAll(async () => {
  await t?.close();
  if (t) removeDir(t.dir);
});

describe('POST /v1/explain on the local runtime', () => {
  it('needs a valid token, like /v1/queries', async () => {
    const missing = await t.post('/v1/explain', { sql: 'SELECT 1' });
    expect(missing.status).toBe(401);
    expect(missing.json.error.code).toBe('ERR_TOKEN_MISSING');
    const forged = await t.post('/v1/explain', { sql: 'SELECT 1' }, 'a.b.c');
    expect(forged.status).toBe(401);
  });

  it('explains a DELETE for the caller without running it or recording anything', async () => {
    const res = await t.post('/v1/explain', { sql: 'DELETE FROM orders WHERE id = 7' }, agent);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ risk: 'write', decision: { outcome: 'approval', approvalsRequired: 1 }, identity: { sub: 'agent', email: 'agent@example.com' } });
    expect(res.json.reasons.map((r: { code: string }) => r.code)).toEqual(expect.arrayContaining(['POL-RULE']));

    const still = await t.post('/v1/queries', { prompt: 'is order 7 there', sql: 'SELECT count(*) AS n FROM orders WHERE id = 7', sessionId: 'explain-check' }, agent);
    expect(still.json.rows[0].n).toBe(1);
    // The only records in the store are the ones of the check query itself.
    const records = (await t.get('/v1/sessions/explain-check', agent)).json.records;
    expect(records.map((r: { type: string }) => r.type)).toEqual(['query.requested', 'query.executed']);
    expect(await t.rt.deps.requests.listByStatus('pending_approval')).toEqual([]);
  });

  it('answers what a group may run without approval', async () => {
    const res = await t.post('/v1/explain', {}, await t.token({ groups: ['data-engineers'] }));
    expect(res.status).toBe(200);
    expect(res.json.policy.allowedWithoutApproval).toEqual(['read', 'write']);
    expect(res.json.identity.groups).toEqual(['data-engineers']);
  });

  it('keeps the /v1/queries input limits: oversize SQL 413, unknown fields 400', async () => {
    const big = await t.post('/v1/explain', { sql: 'x'.repeat(256 * 1024 + 1) }, agent);
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe('ERR_SQL_TOO_LARGE');
    const extra = await t.post('/v1/explain', { sql: 'SELECT 1', sessionId: 's' }, agent);
    expect(extra.status).toBe(400);
    expect(extra.json.error.code).toBe('ERR_VALIDATION');
  });
});
