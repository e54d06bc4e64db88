import { describe, expect, it } from 'vitest';
import { emptyWarehouses, errorOf } from './warehouse-fixture.js';

// Issue 15's attack: statements that would run for hours, more of them than there are slots.
const ENDLESS = 'SELECT sum(range % 7) AS s FROM range(100000000000000)';
const ENDLESS_JOIN = 'SELECT count(*) FROM range(100000000) x, range(100000000) y WHERE x.range + y.range = -1';

describe('DuckDB deadlines hold (issue 15)', () => {
  const warehouses = emptyWarehouses('airlock-deadline-');
  const open = (opts: { minStartMs?: number } = {}) => warehouses.open({ maxConcurrency: 3, ...opts });

  it('six concurrent endless statements all end (timeout or busy), free every slot, and SELECT 1 still answers', async () => {
    const w = await open();
    const six = Array.from({ length: 6 }, (_, i) => errorOf(w.execute({ sql: i % 2 ? ENDLESS_JOIN : ENDLESS, queryTag: '{}', maxRows: 10, timeoutMs: 600 })));
    const codes = (await Promise.all(six)).map((e) => e.code);
    expect(codes.every((c) => c === 'ERR_WAREHOUSE_TIMEOUT' || c === 'ERR_WAREHOUSE_BUSY')).toBe(true);
    expect(w.slotsSnapshot()).toMatchObject({ held: [], waiting: {} });
    const ok = await w.execute({ sql: 'SELECT 1 AS one', queryTag: '{}', maxRows: 1, timeoutMs: 5000 });
    expect(ok.rows).toEqual([[1]]);
  });

  it('a statement that gets its slot with ~0 ms left is still stopped (the interrupt is re-sent until it lands)', async () => {
    // minStartMs 0: the refusal before the start is off, so only the repeated interrupt stands between
    // the waiter and an endless run (the exact hole of the issue).
    const w = await open({ minStartMs: 0 });
    const first = Array.from({ length: 3 }, () => errorOf(w.execute({ sql: ENDLESS, queryTag: '{}', maxRows: 1, timeoutMs: 400 })));
    const late = Array.from({ length: 3 }, () => errorOf(w.execute({ sql: ENDLESS, queryTag: '{}', maxRows: 1, timeoutMs: 420 })));
    const codes = (await Promise.all([...first, ...late])).map((e) => e.code);
    expect(codes.every((c) => c === 'ERR_WAREHOUSE_TIMEOUT' || c === 'ERR_WAREHOUSE_BUSY')).toBe(true);
    expect(w.slotsSnapshot().held).toEqual([]);
  });

  it('an interrupt that fires before the statement starts is not lost (1 ms budget, refusal before start off)', async () => {
    const w = await open({ minStartMs: 0 });
    // One at a time: each gets a free slot at once, so the only way out is the interrupt (run side by side,
    // a statement may instead wait past its 1 ms for a slot and be refused busy — also nothing left running,
    // but not this path).
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) codes.push((await errorOf(w.execute({ sql: ENDLESS, queryTag: '{}', maxRows: 1, timeoutMs: 1 }))).code);
    expect(codes).toEqual(['ERR_WAREHOUSE_TIMEOUT', 'ERR_WAREHOUSE_TIMEOUT', 'ERR_WAREHOUSE_TIMEOUT']);
    expect(w.slotsSnapshot().held).toEqual([]);
  });

  it('with the default refusal before start, a 1 ms budget is refused as busy and nothing runs', async () => {
    const w = await open();
    const e = await errorOf(w.execute({ sql: 'CREATE TABLE t AS SELECT 1 AS x', queryTag: '{}', maxRows: 1, timeoutMs: 1 }));
    expect(e.code).toBe('ERR_WAREHOUSE_BUSY');
    const r = await w.execute({ sql: "SELECT count(*) FROM duckdb_tables() WHERE table_name = 't'", queryTag: '{}', maxRows: 1, timeoutMs: 5000 });
    expect(r.rows).toEqual([[0]]);
  });

  it('close() interrupts running statements and returns promptly', async () => {
    const w = await open();
    const running = Array.from({ length: 3 }, () => errorOf(w.execute({ sql: ENDLESS, queryTag: '{}', maxRows: 1, timeoutMs: 20_000 })));
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await w.close();
    expect(Date.now() - t0).toBeLessThan(5000);
    const codes = (await Promise.all(running)).map((e) => e.code);
    expect(codes.every((c) => c.startsWith('ERR_WAREHOUSE'))).toBe(true);
  });
});
