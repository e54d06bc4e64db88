import { describe, expect, it } from 'vitest';
import { submitQueryDeps } from '#test/fixtures/use-cases/submit-query-deps.js';
import { ONE_ROW } from '#test/doubles/scripted-warehouse.js';
import { MemoryRecordStore } from '#test/doubles/memory-record-store.js';
import { AirlockError } from '#shared/errors.js';
import type { Principal } from '#shared/identity/principal.js';
import type { RecordStore } from '#shared/ports/record-store.js';
import type { ExecuteInput, PreparedStatement, Warehouse, WarehouseResult } from '#shared/ports/warehouse.js';
import { submitQuery, type SubmitQueryDeps } from '#shared/use-cases/submit-query.js';
import { settleBackgroundWrites } from '#shared/use-cases/background-writes.js';

// The direct read prepares its statement beside the write-ahead write (issue 17). What must hold: the
// statement runs only after the write-ahead record landed, never when it did not, and a statement that
// cannot be prepared is recorded as the outcome exactly as one that failed to run.

const principal: Principal = { iss: 'https://idp.example', sub: 'agent-1', email: 'agent@example.com', groups: [] };

/** A warehouse that can prepare, logging each step; `failPrepare` makes prepare reject (after `prepareDelayMs`). */
class PreparingWarehouse implements Warehouse {
  readonly name = 'duckdb' as const;
  constructor(
    private readonly log: string[],
    private readonly opts: { failPrepare?: AirlockError; prepareDelayMs?: number } = {},
  ) {}
  async execute(_input: ExecuteInput): Promise<WarehouseResult> {
    this.log.push('execute');
    return ONE_ROW;
  }
  async prepare(input: Omit<ExecuteInput, 'queryTag'>): Promise<PreparedStatement> {
    this.log.push(`prepare ${input.sql}`);
    if (this.opts.prepareDelayMs !== undefined) await new Promise((r) => setTimeout(r, this.opts.prepareDelayMs));
    if (this.opts.failPrepare !== undefined) throw this.opts.failPrepare;
    return {
      run: async (queryTag) => {
        this.log.push(`run ${JSON.parse(queryTag).airlock.seq}`);
        return ONE_ROW;
      },
      discard: () => this.log.push('discard'),
    };
  }
  async close(): Promise<void> {}
}

/** A record store whose write-ahead append takes `delayMs` and then lands, or fails when `fail`. */
function slowWriteAhead(records: RecordStore, log: string[], opts: { delayMs: number; fail?: boolean }): RecordStore {
  return {
    head: (s) => records.head(s),
    list: (s, from) => records.list(s, from),
    requested: (id) => records.requested(id),
    append: async (rec, c) => {
      log.push(`append ${rec.type} started`);
      if (rec.type === 'query.requested') {
        await new Promise((r) => setTimeout(r, opts.delayMs));
        if (opts.fail === true) {
          log.push(`append ${rec.type} failed`);
          throw new AirlockError('ERR_STORE_UNAVAILABLE', 'the store is down');
        }
      }
      await records.append(rec, c);
      log.push(`append ${rec.type} landed`);
    },
  };
}

const deps = (over: Partial<SubmitQueryDeps> = {}) => submitQueryDeps(new PreparingWarehouse([]), over);

describe('a direct read prepares its statement while the write-ahead record is written', () => {
  it('prepares beside the write, and runs only once the record landed (with its seq in the query tag)', async () => {
    const log: string[] = [];
    const records = new MemoryRecordStore();
    const d = await deps({ records: slowWriteAhead(records, log, { delayMs: 30 }), warehouse: new PreparingWarehouse(log) });
    const out = await submitQuery(d, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1' });
    expect(out.kind).toBe('executed');
    await settleBackgroundWrites();
    expect(log).toEqual(['prepare SELECT 1 AS n', 'append query.requested started', 'append query.requested landed', 'run 1', 'append query.executed started', 'append query.executed landed']);
  });

  it('a write-ahead record that does not land: the prepared statement is discarded and never run, nothing is on record', async () => {
    const log: string[] = [];
    const records = new MemoryRecordStore();
    const d = await deps({ records: slowWriteAhead(records, log, { delayMs: 20, fail: true }), warehouse: new PreparingWarehouse(log) });
    await expect(submitQuery(d, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1' })).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    await settleBackgroundWrites();
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['prepare SELECT 1 AS n', 'append query.requested started', 'append query.requested failed', 'discard']);
    expect(await records.list('s1')).toEqual([]);
  });

  it('…also when the statement is still being prepared as the write fails: it is discarded once ready', async () => {
    const log: string[] = [];
    const records = new MemoryRecordStore();
    const d = await deps({ records: slowWriteAhead(records, log, { delayMs: 5, fail: true }), warehouse: new PreparingWarehouse(log, { prepareDelayMs: 40 }) });
    await expect(submitQuery(d, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1' })).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    await new Promise((r) => setTimeout(r, 60));
    expect(log).toEqual(['prepare SELECT 1 AS n', 'append query.requested started', 'append query.requested failed', 'discard']);
  });

  it('a statement that cannot be prepared fails after its write-ahead record, recorded as query.failed, with no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const log: string[] = [];
      const records = new MemoryRecordStore();
      // prepare fails at once, the write-ahead lands 30 ms later: the failure waits for it, handled.
      const failure = new AirlockError('ERR_WAREHOUSE', 'Catalog Error: Table with name nope does not exist!', { details: { errorType: 'Catalog', sqlState: '42S02' } });
      const d = await deps({ records: slowWriteAhead(records, log, { delayMs: 30 }), warehouse: new PreparingWarehouse(log, { failPrepare: failure }) });
      const out = await submitQuery(d, principal, { prompt: 'p', sql: 'SELECT * FROM nope', sessionId: 's1' });
      expect(out).toMatchObject({ kind: 'failed', body: { status: 'failed', error: { code: 'ERR_WAREHOUSE', sqlState: '42S02' } } });
      expect(log).toEqual(['prepare SELECT * FROM nope', 'append query.requested started', 'append query.requested landed', 'append query.failed started', 'append query.failed landed']);
      expect((await records.list('s1')).map((t) => JSON.parse(t).type)).toEqual(['query.requested', 'query.failed']);
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a warehouse without prepare is executed after the write-ahead record, as before', async () => {
    const log: string[] = [];
    const records = new MemoryRecordStore();
    const plain: Warehouse = { name: 'snowflake', execute: async () => (log.push('execute'), ONE_ROW), close: async () => undefined };
    const d = await deps({ records: slowWriteAhead(records, log, { delayMs: 10 }), warehouse: plain });
    expect((await submitQuery(d, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1' })).kind).toBe('executed');
    expect(log.slice(0, 3)).toEqual(['append query.requested started', 'append query.requested landed', 'execute']);
  });
});

describe('a warehouse whose prepare throws at once', () => {
  it('is answered like a failed run, after the write-ahead record: query.failed on record', async () => {
    const log: string[] = [];
    const records = new MemoryRecordStore();
    const throwing: Warehouse = {
      name: 'duckdb',
      execute: async () => ONE_ROW,
      prepare: () => {
        throw new AirlockError('ERR_WAREHOUSE', 'the warehouse is closed');
      },
      close: async () => undefined,
    };
    const d = await deps({ records: slowWriteAhead(records, log, { delayMs: 5 }), warehouse: throwing });
    const out = await submitQuery(d, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1' });
    expect(out).toMatchObject({ kind: 'failed', body: { error: { code: 'ERR_WAREHOUSE' } } });
    expect((await records.list('s1')).map((t) => JSON.parse(t).type)).toEqual(['query.requested', 'query.failed']);
  });
});
