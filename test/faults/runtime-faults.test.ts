import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDir, startTestRuntime, type TestRuntime } from '#test/helpers/local-runtime.js';
import { verifyChain } from '#shared/records/verify-chain.js';

/** Each case runs a real local runtime (dynalite, DuckDB, dev issuer, HTTP) with AIRLOCK_FAULTS set. */
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-faults-'));
  dirs.push(dir);
  return dir;
}

async function withRuntime<T>(faults: string, dir: string, fn: (t: TestRuntime, token: string) => Promise<T>): Promise<T> {
  const t = await startTestRuntime(faults === '' ? {} : { AIRLOCK_FAULTS: faults }, dir);
  try {
    return await fn(t, await t.token());
  } finally {
    await t.close();
  }
}

async function chain(t: TestRuntime, token: string, sessionId: string): Promise<{ types: string[]; lines: string[] }> {
  const res = await t.get(`/v1/sessions/${sessionId}`, token);
  if (res.status === 404) return { types: [], lines: [] };
  expect(res.status).toBe(200);
  const records = res.json.records as Array<{ type: string }>;
  return { types: records.map((r) => r.type), lines: records.map((r) => JSON.stringify(r)) };
}

async function verifies(t: TestRuntime, lines: string[]) {
  const { keys, certificates } = (await t.get('/v1/keys')).json as { keys: Array<{ keyId: string; pem: string }>; certificates: string[] };
  return verifyChain(lines, new Map(keys.map((k) => [k.keyId, k.pem])), { certificates });
}

describe('record store unavailable (store-fail)', () => {
  it('answers 503, records and runs nothing, and the same idempotency key goes through once the store is back', async () => {
    const dir = tempDir();
    const body = { prompt: 'count orders', sql: 'SELECT count(*) AS n FROM orders', sessionId: 'store-down', idempotencyKey: 'retry-me' };
    await withRuntime('store-fail', dir, async (t, token) => {
      const res = await t.post('/v1/queries', body, token);
      expect(res.status).toBe(503);
      expect(res.json.error.code).toBe('ERR_STORE_UNAVAILABLE');
      expect(JSON.stringify(res.json)).not.toMatch(/\bat .*\.ts:\d+/);
      const write = await t.post('/v1/queries', { prompt: 'p', sql: 'DELETE FROM orders WHERE id = 1', sessionId: 'store-down' }, token);
      expect(write.status).toBe(503);
    });
    await withRuntime('', dir, async (t, token) => {
      expect((await chain(t, token, 'store-down')).types).toEqual([]);
      const first = await t.post('/v1/queries', body, token);
      expect(first.status).toBe(200);
      expect(first.json.record.seq).toBe(2);
      const again = await t.post('/v1/queries', body, token);
      expect(again.status).toBe(200);
      expect(again.json.requestId).toBe(first.json.requestId);
      const { types, lines } = await chain(t, token, 'store-down');
      expect(types).toEqual(['query.requested', 'query.executed']);
      expect((await verifies(t, lines)).ok).toBe(true);
    });
  });
});

describe('signer unavailable (signer-fail)', () => {
  it('answers 503 for reads and writes alike; nothing is recorded, nothing runs, nothing is pending', async () => {
    await withRuntime('signer-fail', tempDir(), async (t, token) => {
      const read = await t.post('/v1/queries', { prompt: 'p', sql: 'SELECT 1 AS one', sessionId: 'no-signer' }, token);
      expect(read.status).toBe(503);
      expect(read.json.error.code).toBe('ERR_SIGNER_UNAVAILABLE');
      const write = await t.post('/v1/queries', { prompt: 'p', sql: 'DELETE FROM orders WHERE id = 1', sessionId: 'no-signer' }, token);
      expect(write.status).toBe(503);
      expect(write.json.error.code).toBe('ERR_SIGNER_UNAVAILABLE');
      expect((await chain(t, token, 'no-signer')).types).toEqual([]);
      expect(await t.rt.deps.requests.listByStatus('running')).toEqual([]);
      expect(await t.rt.deps.requests.listByStatus('pending_approval')).toEqual([]);
    });
  });
});

describe('warehouse failing or timing out', () => {
  it.each([
    ['warehouse-fail', 422, 'ERR_WAREHOUSE'],
    ['warehouse-timeout', 504, 'ERR_WAREHOUSE_TIMEOUT'],
  ] as const)('%s → %i, query.failed recorded with the error, the chain verifies', async (fault, status, code) => {
    await withRuntime(fault, tempDir(), async (t, token) => {
      const res = await t.post('/v1/queries', { prompt: 'p', sql: 'SELECT id FROM orders LIMIT 1', sessionId: 'wh' }, token);
      expect(res.status).toBe(status);
      expect(res.json).toMatchObject({ status: 'failed', error: { code } });
      const { types, lines } = await chain(t, token, 'wh');
      expect(types).toEqual(['query.requested', 'query.failed']);
      expect(JSON.parse(lines[1]!).body.error.code).toBe(code);
      expect((await verifies(t, lines)).ok).toBe(true);
      const polled = await t.get(`/v1/queries/${res.json.requestId}`, token);
      expect(polled.json.status).toBe('failed');
    });
  });
});

describe('Slack API failing when the approval message is posted (slack-post-fail)', () => {
  it('the workflow retries, then the request ends expired and recorded — never silently pending', async () => {
    await withRuntime('slack-post-fail', tempDir(), async (t, token) => {
      const res = await t.post('/v1/queries', { prompt: 'p', sql: 'DELETE FROM orders WHERE id = 1', sessionId: 'slack-down' }, token);
      expect(res.status).toBe(202);
      let status = 'pending_approval';
      for (let i = 0; i < 20 && status === 'pending_approval'; i++) {
        status = (await t.get(`/v1/queries/${res.json.requestId}?waitSeconds=2`, token)).json.status;
      }
      expect(status).toBe('expired');
      // The timeout claims the request (status expired) and then appends approval.expired, under the
      // request's lock: the record may land a moment after the status reads expired.
      let { types, lines } = await chain(t, token, 'slack-down');
      for (let i = 0; i < 50 && types.length < 3; i++) {
        await new Promise((r) => setTimeout(r, 100));
        ({ types, lines } = await chain(t, token, 'slack-down'));
      }
      expect(types).toEqual(['query.requested', 'approval.requested', 'approval.expired']);
      expect((await verifies(t, lines)).ok).toBe(true);
    });
  });
});
