import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDbWarehouse } from '#shared/adapters/duckdb/duckdb-warehouse.js';
import { removeDir, startTestRuntime, type TestRuntime } from '../helpers/local-runtime.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

// Issue 15, measured as structure (never wall-clock speed): one identity floods slow statements and
// approval requests while another runs ordinary reads.
const SLOW = 'SELECT sum(range % 7) AS s FROM range(100000000000000)';
const POLICY = `
limits:
  statementTimeoutSeconds: 2
  perIdentity:
    concurrentStatements: 3
    requestsPerMinute: 1000
    groups:
      - group: batch
        concurrentStatements: 1
        requestsPerMinute: 12
      - group: cheap
        maxRows: 2
        statementTimeoutSeconds: 1
`;

let t: TestRuntime;
let flood: string;
let other: string;
let cheap: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-fair-'));
  const policyPath = join(dir, 'policy.yaml');
  writeFileSync(policyPath, POLICY);
  t = await startTestRuntime({ AIRLOCK_POLICY: policyPath }, dir);
  flood = await t.token({ sub: 'flood', groups: ['batch'] });
  other = await t.token({ sub: 'other' });
  cheap = await t.token({ sub: 'cheap', groups: ['cheap'] });
});
afterAll(async () => {
  await t?.close();
  if (t) removeDir(t.dir);
});

async function post(body: unknown, token: string): Promise<{ status: number; retryAfter: string | null; json: any; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${t.rt.url}/v1/queries`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json: await res.json(), ms: performance.now() - t0 };
}

async function types(sessionId: string, token: string): Promise<string[]> {
  const res = await t.get(`/v1/sessions/${sessionId}`, token);
  return (res.json.records as Array<{ type: string }>).map((r) => r.type);
}

describe('fair use under a flood (issue 15)', () => {
  it('the flood gets one statement at a time and 429s for the rest, recorded; the other identity is served throughout', async () => {
    const floods = Array.from({ length: 6 }, (_, i) => post({ prompt: 'flood', sql: SLOW, sessionId: `flood-${i}` }, flood));
    const reads: number[] = [];
    for (let i = 0; i < 4; i++) reads.push((await post({ prompt: 'count', sql: 'SELECT count(*) AS n FROM orders', sessionId: 'other-1' }, other)).status);
    const answers = await Promise.all(floods);

    expect(reads).toEqual([200, 200, 200, 200]);
    const limited = answers.filter((a) => a.status === 429);
    const ran = answers.filter((a) => a.status !== 429);
    // concurrentStatements: 1 for the batch group: exactly one ran (and hit its 2 s timeout); the rest were refused at once.
    expect(ran.map((a) => a.status)).toEqual([504]);
    expect(limited).toHaveLength(5);
    for (const a of limited) {
      expect(a.json.error).toMatchObject({ code: 'ERR_RATE_LIMITED', limit: 'concurrentStatements' });
      expect(Number(a.retryAfter)).toBeGreaterThan(0);
      expect(a.json.error.retryAfterSeconds).toBe(Number(a.retryAfter));
      // Held before it is answered (AIRLOCK_REFUSAL_HOLD_MS, 1 s by default, or the Retry-After if sooner): a loop slows down.
      expect(a.ms).toBeGreaterThanOrEqual(Math.min(1000, Number(a.retryAfter) * 1000) - 5);
    }
    // Every refusal is evidence: a query.throttled record, alone, in the flood's own session.
    const sessions = await Promise.all(answers.map((_, i) => types(`flood-${i}`, flood)));
    expect(sessions.filter((s) => s.join() === 'query.throttled')).toHaveLength(5);
    expect(sessions.filter((s) => s.join() === 'query.requested,query.failed')).toHaveLength(1);

    // No slot outlived its deadline: the watchdog never had to free one, and nothing is held now.
    const warehouse = t.rt.deps.warehouse as DuckDbWarehouse;
    expect(warehouse.slotsSnapshot()).toMatchObject({ held: [], overdueFreed: 0 });
  });

  it('approval-request floods hit requestsPerMinute with 429 and a record, while the other identity still reads', async () => {
    // Sent five at a time (each 429 is held for a second before it is answered).
    const statuses: number[] = [];
    for (let batch = 0; batch < 6; batch++) {
      const answers = await Promise.all(Array.from({ length: 5 }, (_, j) => post({ prompt: 'delete', sql: `DELETE FROM orders WHERE id = ${batch * 5 + j}`, sessionId: 'flood-approvals' }, flood)));
      for (const a of answers) {
        statuses.push(a.status);
        if (a.status === 429) expect(a.json.error).toMatchObject({ code: 'ERR_RATE_LIMITED', limit: 'requestsPerMinute' });
      }
    }
    // 12 per minute (6 already used above): at most 2 windows' worth get through even across a minute boundary.
    expect(statuses.filter((s) => s === 202).length).toBeLessThanOrEqual(24);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(6);
    expect(statuses.every((s) => s === 202 || s === 429)).toBe(true);
    const recorded = await types('flood-approvals', flood);
    expect(recorded.filter((r) => r === 'query.throttled')).toHaveLength(statuses.filter((s) => s === 429).length);
    expect((await post({ prompt: 'count', sql: 'SELECT count(*) AS n FROM orders', sessionId: 'other-2' }, other)).status).toBe(200);
  });

  it.runIf(process.platform === 'linux')('the runtime lowers every thread but the event loop (AIRLOCK_WORKER_NICE, 10): statements cannot outrank the gateway', async () => {
    const { readdirSync } = await import('node:fs');
    const { getPriority } = await import('node:os');
    const tids = readdirSync('/proc/self/task').map(Number).filter((tid) => tid !== process.pid);
    expect(tids.length).toBeGreaterThan(0);
    for (const tid of tids) expect(getPriority(tid), `thread ${tid}`).toBeGreaterThanOrEqual(10);
  });

  it('the cost guard: a group with a lower maxRows gets at most that many rows', async () => {
    const a = await post({ prompt: 'rows', sql: 'SELECT id FROM orders ORDER BY id LIMIT 50', sessionId: 'cheap-1' }, cheap);
    expect(a.status).toBe(200);
    expect(a.json).toMatchObject({ rowCount: 2, truncated: true });
  });
});
