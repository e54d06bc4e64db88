import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from '#test/doubles/memory-record-store.js';
import { MemoryRequestStore } from '#test/doubles/memory-request-store.js';
import { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import type { Principal } from '#shared/identity/principal.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import { maskingConfigOf } from '#shared/policy/masking-config.js';
import type { ExecuteInput, Warehouse, WarehouseResult } from '#shared/ports/warehouse.js';
import { getQuery, type GetQueryDeps } from '#shared/http/handlers/get-query.js';
import { submitQuery } from '#shared/use-cases/submit-query.js';

// A direct read keeps no request item; GET finds it by its write-ahead record through an index that
// DynamoDB keeps eventually consistent. A fresh id not found yet is asked again; an old one is not.

const principal: Principal = { iss: 'https://idp.example', sub: 'agent-1', groups: [] };

class OneRow implements Warehouse {
  readonly name = 'duckdb' as const;
  async execute(_input: ExecuteInput): Promise<WarehouseResult> {
    return { queryId: 'q-1', columns: [{ name: 'N', type: 'INTEGER' }], rows: [[1]], truncated: false, durationMs: 1 };
  }
  async close(): Promise<void> {}
}

/** The index answers nothing for the first `lag` lookups of each id, as a lagging GSI would. */
class LaggingIndex extends MemoryRecordStore {
  lookups = 0;
  constructor(private readonly lag: number) {
    super();
  }
  override async requested(requestId: string) {
    this.lookups += 1;
    return this.lookups <= this.lag ? null : super.requested(requestId);
  }
  lists = 0;
  override async list(sessionId: string, fromSeq?: number) {
    this.lists += 1;
    return super.list(sessionId, fromSeq);
  }
}

async function setup(lag: number) {
  const policy = loadPolicy();
  const records = new LaggingIndex(lag);
  const requests = new MemoryRequestStore();
  const signer = await LocalKeySigner.open(join(mkdtempSync(join(tmpdir(), 'airlock-lag-')), 'records.pem'));
  const clock = { now: () => new Date() };
  const posted = await submitQuery({ records, requests, signer, warehouse: new OneRow(), clock, policy, masking: maskingConfigOf(policy, Buffer.from('k'.repeat(32))), newId: ulid }, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1' });
  const deps: GetQueryDeps = { verifier: { verify: async () => principal }, policy, requests, records, clock, log: () => undefined };
  records.lists = 0;
  const get = (id: string) => getQuery(deps, { method: 'GET', path: `/v1/queries/${id}`, headers: { authorization: 'Bearer t' }, query: {}, body: '', params: { requestId: id } });
  return { posted, records, get };
}

describe('GET /v1/queries/{id} and the byRequest index lag', () => {
  it('a fresh id the index does not show yet is asked again and answered', async () => {
    const t = await setup(2);
    const res = await t.get(t.posted.body.requestId);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ requestId: t.posted.body.requestId, status: 'executed', result: t.posted.body });
    expect(t.records.lookups).toBe(3);
    // The session is read once: the records it was found with are the ones its state is read from.
    expect(t.records.lists).toBe(1);
  });

  it('an id minted long ago that nothing shows is 404 after one lookup', async () => {
    const t = await setup(0);
    const old = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    await expect(t.get(old)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    expect(t.records.lookups).toBe(1);
  });

  it('a fresh id that never shows is 404 after the retries run out, not a hang', async () => {
    const t = await setup(0);
    const fresh = ulid();
    await expect(t.get(fresh)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    expect(t.records.lookups).toBe(5);
  });
});
