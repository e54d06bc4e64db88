import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { refusalSessionId } from '#shared/use-cases/record-off-query-refusal.js';
import { MemoryRecordStore } from '#test/doubles/memory-record-store.js';
import { MemoryRequestStore } from '#test/doubles/memory-request-store.js';
import { MemoryQuotaStore } from '#shared/adapters/memory/memory-quota-store.js';
import { AirlockError } from '#shared/errors.js';
import type { ApiDeps } from '#shared/http/api-deps.js';
import { json } from '#shared/http/api-event.js';
import { pacedReads } from '#shared/http/paced-reads.js';
import { dispatch, type Route } from '#shared/http/router.js';
import { parsePolicy } from '#shared/policy/parse-policy.js';
import { admitQuery } from '#shared/use-cases/admit-query.js';

// Issue 15: in the local runtime every identity shares one process, so its reads cost the pace too.
const POLICY = parsePolicy('limits:\n  perIdentity:\n    requestsPerMinute: 60\n    burst: 10\n', 'paced.yaml');

async function world(body: () => unknown) {
  let t = Date.parse('2026-12-07T10:00:00.000Z');
  let n = 0;
  const reads: string[] = [];
  const deps = {
    policy: POLICY,
    clock: { now: () => new Date(t) },
    newId: () => `01JZ${String(n++).padStart(22, '0')}`,
    quotas: new MemoryQuotaStore(),
    records: new MemoryRecordStore(),
    requests: new MemoryRequestStore(),
    signer: await LocalKeySigner.open(join(mkdtempSync(join(tmpdir(), 'airlock-paced-')), 'records.pem')),
    log: () => undefined,
    verifier: {
      verify: async (h: string | undefined) => {
        if (h === undefined) throw new AirlockError('ERR_TOKEN_MISSING', 'no token');
        return { iss: 'https://idp.example.com', sub: h.replace('Bearer ', ''), groups: [] };
      },
    },
  } as unknown as ApiDeps;
  const routes: Route[] = pacedReads([
    { method: 'GET', path: '/v1/sessions/{sessionId}', handler: async (_d, e) => (reads.push(e.params?.['sessionId'] ?? ''), json(200, body())) },
    { method: 'GET', path: '/v1/keys', handler: async () => json(200, { keys: [] }) },
  ]);
  const get = (path: string, who = 'alice') => dispatch(deps, { method: 'GET', path, headers: { authorization: `Bearer ${who}` }, query: {}, body: '' }, routes);
  return { deps, get, reads, later: (ms: number) => (t += ms) };
}

describe('pacedReads: GET /v1/queries/{id} and /v1/sessions/{id} cost the request pace (local runtime)', () => {
  it('a small answer costs one request: 10 at once, the 11th 429 with Retry-After before the handler runs; another identity is not paced by it', async () => {
    const w = await world(() => ({ records: [] }));
    for (let i = 0; i < 10; i++) expect((await w.get('/v1/sessions/s1')).statusCode).toBe(200);
    const refused = await w.get('/v1/sessions/s1');
    expect(refused.statusCode).toBe(429);
    expect(JSON.parse(refused.body).error).toMatchObject({ code: 'ERR_RATE_LIMITED', limit: 'requestsPerMinute', retryAfterSeconds: 1 });
    expect(refused.headers['retry-after']).toBe('1');
    expect(w.reads).toHaveLength(10);
    // On record, in alice's own refusal session, under the request id the 429 carries.
    const alice = { iss: 'https://idp.example.com', sub: 'alice', groups: [] };
    const records = (await w.deps.records.list(refusalSessionId(alice))).map((l) => JSON.parse(l));
    expect(records).toEqual([expect.objectContaining({ type: 'query.throttled', requestId: JSON.parse(refused.body).error.requestId, body: { risk: 'unclassified', limit: 'requestsPerMinute', retryAfterSeconds: 1, route: 'GET /v1/sessions/{sessionId}' } })]);
    expect((await w.deps.requests.getSession(refusalSessionId(alice)))?.owner).toBe('https://idp.example.com#alice');
    expect((await w.get('/v1/sessions/s1', 'bob')).statusCode).toBe(200);
    // Its queries have a pace of their own: reading what happened does not stop them, nor the reverse.
    expect((await admitQuery(w.deps, { iss: 'https://idp.example.com', sub: 'alice', groups: [] }, false, 'SELECT 1')).admitted).toBe(true);
    w.later(1000);
    expect((await w.get('/v1/sessions/s1')).statusCode).toBe(200);
  });

  it('a large answer costs one request per started 16 KiB, charged after it: two reads of a 100 KB session spend 14, the next waits 5 s', async () => {
    const w = await world(() => ({ records: ['x'.repeat(100 * 1024)] }));
    // Each: 1 on admission + 6 after (100 KB is 7 started 16 KiB). The second is admitted with 3 left, then charged.
    expect((await w.get('/v1/sessions/big')).statusCode).toBe(200);
    expect((await w.get('/v1/sessions/big')).statusCode).toBe(200);
    const refused = await w.get('/v1/sessions/big');
    expect(refused.statusCode).toBe(429);
    expect(JSON.parse(refused.body).error).toMatchObject({ limit: 'requestsPerMinute', retryAfterSeconds: 5 });
    expect(w.reads).toHaveLength(2);
    // Other routes are not paced here (GET /v1/keys is public).
    expect((await w.get('/v1/keys')).statusCode).toBe(200);
  });
});
