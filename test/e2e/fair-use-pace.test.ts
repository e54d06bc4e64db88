import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusalSessionId } from '#shared/use-cases/record-off-query-refusal.js';
import { removeDir, startTestRuntime, type TestRuntime } from '../helpers/local-runtime.js';

// Issue 15, the request pace (limits.perIdentity.requestsPerMinute with its burst), through the real
// HTTP server: what each kind of request costs of it and what a refusal leaves on record. Apart from
// fair-use.test.ts (the floods) so the two run side by side; 429s are held 250 ms here, not the default
// second (AIRLOCK_REFUSAL_HOLD_MS; the hold itself is tested in test/integration/http/refusal-hold.test.ts).
const POLICY = `
limits:
  perIdentity:
    concurrentStatements: 3
    requestsPerMinute: 1000
    groups:
      - group: paced
        concurrentStatements: 30
        requestsPerMinute: 60
        burst: 10
      - group: long
        requestsPerMinute: 60
        burst: 10
      - group: garbage
        requestsPerMinute: 60
        burst: 10
      - group: explainer
        requestsPerMinute: 60
        burst: 10
      - group: repeater
        requestsPerMinute: 60
        burst: 4
      - group: wide
        requestsPerMinute: 60
        burst: 10
      - group: poller
        requestsPerMinute: 60
        burst: 5
`;

let t: TestRuntime;
let other: string;
let paced: string;
let long: string;
let garbage: string;
let explainer: string;
let repeater: string;
let retrier: string;
let wide: string;
let poller: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-pace-'));
  const policyPath = join(dir, 'policy.yaml');
  writeFileSync(policyPath, POLICY);
  t = await startTestRuntime({ AIRLOCK_POLICY: policyPath, AIRLOCK_REFUSAL_HOLD_MS: '250' }, join(dir, 'data'));
  other = await t.token({ sub: 'other' });
  paced = await t.token({ sub: 'paced', groups: ['paced'] });
  long = await t.token({ sub: 'long', groups: ['long'] });
  garbage = await t.token({ sub: 'garbage', groups: ['garbage'] });
  explainer = await t.token({ sub: 'explainer', groups: ['explainer'] });
  repeater = await t.token({ sub: 'repeater', groups: ['repeater'] });
  retrier = await t.token({ sub: 'retrier', groups: ['repeater'] });
  wide = await t.token({ sub: 'wide', groups: ['wide'] });
  poller = await t.token({ sub: 'poller', groups: ['poller'] });
});
afterAll(async () => {
  await t?.close();
  if (t) removeDir(t.dir);
});

async function post(body: unknown, token: string): Promise<{ status: number; retryAfter: string | null; json: any }> {
  const res = await fetch(`${t.rt.url}/v1/queries`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json: await res.json() };
}

async function types(sessionId: string, token: string): Promise<string[]> {
  const res = await t.get(`/v1/sessions/${sessionId}`, token);
  return (res.json.records as Array<{ type: string }>).map((r) => r.type);
}

describe('the request pace (issue 15)', () => {
  it('fast reads are paced (60 a minute, 10 at once): a burst of 30 gets 10 and the pace, the rest 429 with an exact Retry-After and a record', async () => {
    const t0 = performance.now();
    const answers = await Promise.all(Array.from({ length: 30 }, () => post({ prompt: 'read', sql: 'SELECT count(*) AS n FROM orders', sessionId: 'paced-1' }, paced)));
    const seconds = (performance.now() - t0) / 1000;
    const ok = answers.filter((a) => a.status === 200).length;
    const refused = answers.filter((a) => a.status === 429);
    expect(ok + refused.length).toBe(30);
    // 10 at once, then one a second for as long as the burst took to answer (the refusals are held 1 s).
    expect(ok).toBeGreaterThanOrEqual(10);
    expect(ok).toBeLessThanOrEqual(10 + Math.ceil(seconds) + 1);
    for (const a of refused) {
      expect(a.json.error).toMatchObject({ code: 'ERR_RATE_LIMITED', limit: 'requestsPerMinute', retryAfterSeconds: 1 });
      expect(a.retryAfter).toBe('1');
    }
    expect((await types('paced-1', paced)).filter((r) => r === 'query.throttled')).toHaveLength(refused.length);
    // Each 429 names its record: the answer's requestId is the query.throttled record's.
    const recorded = ((await t.get('/v1/sessions/paced-1', paced)).json.records as Array<{ type: string; requestId: string }>).filter((r) => r.type === 'query.throttled').map((r) => r.requestId);
    expect(refused.map((a) => a.json.error.requestId).sort()).toEqual(recorded.sort());
    // A refusal took nothing: once its Retry-After has passed, the next read is admitted.
    await new Promise((r) => setTimeout(r, 1100));
    expect((await post({ prompt: 'read', sql: 'SELECT 1 AS one', sessionId: 'paced-1' }, paced)).status).toBe(200);
    // Another identity was never paced by this one.
    expect((await post({ prompt: 'count', sql: 'SELECT count(*) AS n FROM orders', sessionId: 'other-3' }, other)).status).toBe(200);
  });

  it('a long statement costs its length of the pace (one request per 4 KiB): past it, the next is refused before it is classified, on record as unclassified', async () => {
    // 36 KiB of SQL: 9 of the 10 the burst allows (the columns do not exist: it is never run, only classified).
    const wide = `SELECT ${Array.from({ length: 4000 }, (_, i) => `c${i}`).join(', ')} FROM orders`.padEnd(36 * 1024, ' ');
    expect((await post({ prompt: 'wide', sql: wide, sessionId: 'long-1' }, long)).status).not.toBe(429);
    const second = await post({ prompt: 'wide', sql: wide, sessionId: 'long-1' }, long);
    // 9 more needed, 1 left: 8 s to wait, less the whole seconds the first took (classifying 36 KiB).
    expect(second.status).toBe(429);
    const wait = Number(second.retryAfter);
    expect(wait).toBeGreaterThanOrEqual(5);
    expect(wait).toBeLessThanOrEqual(8);
    expect(second.json.error).toMatchObject({ code: 'ERR_RATE_LIMITED', limit: 'requestsPerMinute', retryAfterSeconds: wait });
    const body = async () => {
      const res = await t.get(`/v1/sessions/long-1`, long);
      return (res.json.records as Array<{ type: string; body: Record<string, unknown> }>).filter((r) => r.type === 'query.throttled').map((r) => r.body);
    };
    expect(await body()).toEqual([expect.objectContaining({ risk: 'unclassified', limit: 'requestsPerMinute', retryAfterSeconds: wait })]);
    // A short one still fits what is left of the burst.
    expect((await post({ prompt: 'short', sql: 'SELECT 1 AS one', sessionId: 'long-1' }, long)).status).toBe(200);
  });

  it('text that is not SQL costs the pace too: a flood of it is refused with 429 and records once the pace is spent, not classified for ever', async () => {
    const statuses: number[] = [];
    // Only a comment: no statement at all (400 ERR_SQL_INVALID), 3 KB of it each time.
    for (let i = 0; i < 14; i++) statuses.push((await post({ prompt: 'junk', sql: `-- ${'x'.repeat(3000)} ${i}`, sessionId: 'garbage-1' }, garbage)).status);
    // 10 at once, plus one a second for as long as the 14 took.
    expect(statuses.filter((s) => s === 400).length, JSON.stringify(statuses)).toBeGreaterThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 400 || s === 429)).toBe(true);
    const records = await types('garbage-1', garbage);
    expect(records.filter((r) => r === 'query.throttled')).toHaveLength(statuses.filter((s) => s === 429).length);
  });

  it('answers that replay an earlier request (an identical pending approval request, an idempotent retry) cost the pace too', async () => {
    const same = { prompt: 'delete', sql: 'DELETE FROM orders WHERE id = 424242', sessionId: 'repeat-1' };
    const pending = [];
    for (let i = 0; i < 6; i++) pending.push(await post(same, repeater));
    // 4 at once: the first is the request, the next 3 its replays; then 429 with a record (held 1 s, so the
    // pace has one more by the 6th).
    expect(pending.map((a) => a.status).slice(0, 5)).toEqual([202, 202, 202, 202, 429]);
    expect(new Set(pending.slice(0, 4).map((a) => a.json.requestId)).size).toBe(1);
    expect((await types('repeat-1', repeater)).filter((r) => r === 'query.throttled')).toHaveLength(pending.filter((a) => a.status === 429).length);
    const keyed = { prompt: 'read', sql: 'SELECT 1 AS one', sessionId: 'repeat-2', idempotencyKey: 'k-1' };
    const retries = [];
    for (let i = 0; i < 5; i++) retries.push(await post(keyed, retrier));
    // The read and 3 replays of its answer, then 429.
    expect(retries.map((a) => a.status)).toEqual([200, 200, 200, 200, 429]);
    expect(new Set(retries.slice(0, 4).map((a) => a.json.requestId)).size).toBe(1);
  });

  it('a wide answer costs its cells of the pace (one request per 1,000): after 10,000 cells the burst is spent', async () => {
    const cols = Array.from({ length: 10 }, (_, i) => `range + ${i} AS c${i}`).join(', ');
    const first = await post({ prompt: 'wide', sql: `SELECT ${cols} FROM range(1000)`, sessionId: 'wide-1' }, wide);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ rowCount: 1000 });
    // 1 for the request + 9 for the answer's 10,000 cells: the next waits a second.
    const next = await post({ prompt: 'one', sql: 'SELECT 1 AS one', sessionId: 'wide-1' }, wide);
    expect(next.status).toBe(429);
    expect(next.json.error).toMatchObject({ code: 'ERR_RATE_LIMITED', limit: 'requestsPerMinute', retryAfterSeconds: 1 });
  });

  it('polling GET /v1/queries/{id} costs the pace in the local runtime: a loop of it gets 429 ERR_RATE_LIMITED', async () => {
    const read = await post({ prompt: 'one', sql: 'SELECT 1 AS one', sessionId: 'poller-1' }, poller);
    expect(read.status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 8 && !statuses.includes(429); i++) statuses.push((await t.get(`/v1/queries/${read.json.requestId}`, poller)).status);
    expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200]);
    expect(statuses).toContain(429);
  });

  it('explain costs the pace like a query in the local runtime: past it, 429 ERR_RATE_LIMITED before anything is classified', async () => {
    const explain = (sql: string) =>
      fetch(`${t.rt.url}/v1/explain`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${explainer}` }, body: JSON.stringify({ sql }) }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await explain(`SELECT ${i} AS n`)).status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(10);
    expect(statuses.filter((s) => s === 200).length).toBeLessThan(14);
    // The pace comes back one a second, so keep asking until one is refused (each refusal is held 250 ms).
    let refused = await explain('SELECT 1');
    for (let i = 0; i < 10 && refused.status === 200; i++) refused = await explain('SELECT 1');
    expect(refused.status).toBe(429);
    expect(refused.json.error).toMatchObject({ code: 'ERR_RATE_LIMITED', limit: 'requestsPerMinute' });
    // On record in the identity's own refusal session, under the id the 429 carries.
    const claims = JSON.parse(Buffer.from(explainer.split('.')[1]!, 'base64url').toString('utf8')) as { iss: string; sub: string };
    const own = await t.get(`/v1/sessions/${refusalSessionId({ iss: claims.iss, sub: claims.sub, groups: [] })}`, explainer);
    expect(own.status).toBe(200);
    expect((own.json.records as Array<{ type: string; requestId: string; body: Record<string, unknown> }>).find((r) => r.requestId === refused.json.error.requestId)).toMatchObject({
      type: 'query.throttled',
      body: { route: 'POST /v1/explain', risk: 'unclassified', limit: 'requestsPerMinute' },
    });
  });
});
