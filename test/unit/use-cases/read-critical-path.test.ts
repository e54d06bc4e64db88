import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { MemoryRecordStore } from '#test/doubles/memory-record-store.js';
import { MemoryRequestStore } from '#test/doubles/memory-request-store.js';
import { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import type { Principal } from '#shared/identity/principal.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import { maskingConfigOf } from '#shared/policy/masking-config.js';
import type { RecordStore } from '#shared/ports/record-store.js';
import type { RequestStore } from '#shared/ports/request-store.js';
import type { ExecuteInput, Warehouse, WarehouseResult } from '#shared/ports/warehouse.js';
import { recoverInterrupted } from '#shared/use-cases/recover-interrupted.js';
import { completeFromRecords, loadOutcome } from '#shared/use-cases/stored-outcome.js';
import { httpStatusOfOutcome, submitQuery, type SubmitQueryDeps } from '#shared/use-cases/submit-query.js';

// A direct read has two writes in sequence on its critical path: the write-ahead record (with the
// request item written beside it, not after it) and the outcome record. The item's final transition is
// off that path; readers take the outcome from the records until it lands, or if it never does.

const principal: Principal = { iss: 'https://idp.example', sub: 'agent-1', email: 'agent@example.com', groups: [] };
const clock = { now: () => new Date('2026-11-27T10:00:00.000Z') };

class OneRowWarehouse implements Warehouse {
  readonly name = 'duckdb' as const;
  calls = 0;
  constructor(private readonly onRun: () => void = () => undefined) {}
  async execute(_input: ExecuteInput): Promise<WarehouseResult> {
    this.calls += 1;
    this.onRun();
    return { queryId: 'q-1', columns: [{ name: 'N', type: 'INTEGER' }], rows: [[1]], truncated: false, durationMs: 1 };
  }
  async close(): Promise<void> {}
}

/** A store that records the order of writes, and whose transitions can be held back or lost. */
function tracing(records: RecordStore, requests: RequestStore, opts: { loseTransitions?: boolean } = {}) {
  const log: string[] = [];
  const r: RecordStore = { ...records, head: (s) => records.head(s), list: (s) => records.list(s), append: async (rec, c) => { log.push(`append ${rec.type}`); await records.append(rec, c); } };
  const q = new Proxy(requests, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv) as unknown;
      if (typeof v !== 'function') return v;
      if (prop === 'put') return async (...a: unknown[]) => { log.push('put item'); return (v as (...x: unknown[]) => unknown).apply(target, a); };
      if (prop === 'transition') {
        return async (...a: unknown[]) => {
          log.push('transition');
          if (opts.loseTransitions === true) return false; // the process froze or died before it landed
          return (v as (...x: unknown[]) => unknown).apply(target, a);
        };
      }
      return (v as (...x: unknown[]) => unknown).bind(target);
    },
  });
  return { r, q, log };
}

async function deps(over: Partial<SubmitQueryDeps> = {}): Promise<SubmitQueryDeps> {
  const policy = loadPolicy();
  const signer = await LocalKeySigner.open(join(mkdtempSync(join(tmpdir(), 'airlock-cp-')), 'records.pem'));
  return { records: new MemoryRecordStore(), requests: new MemoryRequestStore(), signer, warehouse: new OneRowWarehouse(), clock, policy, masking: maskingConfigOf(policy, Buffer.from('k'.repeat(32))), newId: ulid, ...over };
}

describe('the read critical path', () => {
  it('the statement runs only after both the write-ahead record and the running item landed; then only the outcome record is awaited', async () => {
    const base = await deps();
    const { r, q, log } = tracing(base.records, base.requests);
    const warehouse = new OneRowWarehouse(() => log.push('execute'));
    const out = await submitQuery({ ...base, records: r, requests: q, warehouse }, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1' });
    expect(out.kind).toBe('executed');
    const i = log.indexOf('execute');
    expect(log.slice(0, i).sort()).toEqual(['append query.requested', 'put item']);
    expect(log.slice(i + 1)).toEqual(['append query.executed', 'transition']);
  });

  it('with the final transition lost, GET-style readers, an idempotent retry and recovery all answer the recorded outcome, never outcome_unknown', async () => {
    const base = await deps();
    const { r, q } = tracing(base.records, base.requests, { loseTransitions: true });
    const d = { ...base, records: r, requests: q };
    const first = await submitQuery(d, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1', idempotencyKey: 'k1' });
    const requestId = first.body['requestId'] as string;
    expect((await base.requests.get(requestId))?.status).toBe('running');

    // An idempotent retry: the first answer, rebuilt from the records.
    const again = await submitQuery({ ...base }, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1', idempotencyKey: 'k1' });
    expect(again).toEqual(first);
    expect((d.warehouse as OneRowWarehouse).calls).toBe(1);

    // GET /v1/queries/{id}'s path: completes the item from its records.
    const direct = await submitQuery(d, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1' });
    const id2 = direct.body['requestId'] as string;
    const item = await completeFromRecords(base, (await base.requests.get(id2))!, httpStatusOfOutcome);
    expect(item).toMatchObject({ status: 'executed', httpStatus: 200 });
    expect(item.requestedSeq).toBeGreaterThan(0);
    expect(await loadOutcome(base.records, item)).toEqual(direct);

    // Recovery (all running items, as at local start): the one not yet completed is completed, not outcome_unknown.
    const third = await submitQuery(d, principal, { prompt: 'p', sql: 'SELECT 2 AS n', sessionId: 's2' });
    const id3 = third.body['requestId'] as string;
    const rec = await recoverInterrupted({ requests: base.requests, records: base.records, clock, policy: base.policy }, 'all');
    expect(rec.recovered).not.toContain(id3);
    expect((await base.requests.get(id3))?.status).toBe('executed');
  });

  it('a crash between the write-ahead and the outcome still shows outcome_unknown after recovery', async () => {
    const base = await deps();
    let crash = true;
    const warehouse = new OneRowWarehouse(() => {
      if (crash) throw new Error('SIGKILL'); // stands for the process dying after the statement ran
    });
    // A dead process writes nothing more: no transition of the item reaches the store while it is down.
    const realTransition = base.requests.transition.bind(base.requests);
    const requests = base.requests;
    requests.transition = (...args: Parameters<typeof realTransition>) => (crash ? Promise.reject(new Error('process gone')) : realTransition(...args));
    await expect(submitQuery({ ...base, requests, warehouse }, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1' })).rejects.toThrow('SIGKILL');
    crash = false;
    const rec = await recoverInterrupted({ requests: base.requests, records: base.records, clock, policy: base.policy }, 'all');
    expect(rec.recovered).toHaveLength(1);
    expect((await base.requests.get(rec.recovered[0]!))?.status).toBe('outcome_unknown');
  });

  it('the write-ahead failing: nothing runs, and the item (if it landed) is failed, not left for recovery', async () => {
    const base = await deps();
    const failing: RecordStore = { ...base.records, head: (s) => base.records.head(s), list: (s) => base.records.list(s), append: async () => Promise.reject(new Error('store down')) };
    const warehouse = new OneRowWarehouse();
    await expect(submitQuery({ ...base, records: failing, warehouse }, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1' })).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    expect(warehouse.calls).toBe(0);
    const rec = await recoverInterrupted({ requests: base.requests, records: base.records, clock, policy: base.policy }, 'all');
    expect(rec.recovered).toEqual([]);
  });
});
