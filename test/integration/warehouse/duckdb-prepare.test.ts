import { describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '#shared/adapters/duckdb/duckdb-warehouse.js';
import { emptyWarehouses, errorOf } from './warehouse-fixture.js';

// The direct read path prepares its statement while the write-ahead record is written (issue 17):
// `prepare` must take a slot and parse, and run nothing; `discard` must give everything back.
describe('DuckDB prepare, run and discard', () => {
  const warehouses = emptyWarehouses('airlock-prepare-');
  async function open(maxConcurrency = 2): Promise<DuckDbWarehouse> {
    const warehouse = await warehouses.open({ maxConcurrency });
    await warehouse.execute({ sql: 'CREATE TABLE t (n INTEGER)', queryTag: '{}', maxRows: 1, timeoutMs: 5000 });
    return warehouse;
  }
  const count = async (w: DuckDbWarehouse) => (await w.execute({ sql: 'SELECT count(*)::INTEGER AS n FROM t', queryTag: '{}', maxRows: 1, timeoutMs: 5000 })).rows[0]?.[0];

  it('a prepared statement has not run: a discarded INSERT leaves the table empty and frees its slot', async () => {
    const w = await open();
    const p = await w.prepare({ sql: 'INSERT INTO t VALUES (1)', maxRows: 1, timeoutMs: 5000, owner: 'a' });
    expect(w.slotsSnapshot().held).toHaveLength(1);
    expect(await count(w)).toBe(0);
    p.discard();
    p.discard(); // twice is harmless
    expect(w.slotsSnapshot().held).toEqual([]);
    expect(await count(w)).toBe(0);
    await expect(p.run('{}')).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
    expect(await count(w)).toBe(0);
  });

  it('runs once, when told, then frees its slot; a second run is refused', async () => {
    const w = await open();
    const p = await w.prepare({ sql: 'INSERT INTO t VALUES (1)', maxRows: 1, timeoutMs: 5000 });
    expect(await count(w)).toBe(0);
    await p.run('{}');
    expect(await count(w)).toBe(1);
    expect(w.slotsSnapshot().held).toEqual([]);
    await expect(p.run('{}')).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
    expect(await count(w)).toBe(1);
    p.discard(); // after a run: nothing left to free
    expect(w.slotsSnapshot().held).toEqual([]);
  });

  it('what prepare checks fails there, as execute would, and holds no slot', async () => {
    const w = await open();
    expect(await errorOf(w.prepare({ sql: 'SELEC 1', maxRows: 1, timeoutMs: 5000 }))).toMatchObject({ code: 'ERR_WAREHOUSE', details: { errorType: 'Parser' } });
    expect(await errorOf(w.prepare({ sql: 'SELECT * FROM no_such_table', maxRows: 1, timeoutMs: 5000 }))).toMatchObject({ code: 'ERR_WAREHOUSE', details: { errorType: 'Catalog' } });
    expect(await errorOf(w.prepare({ sql: 'SELECT 1; SELECT 2', maxRows: 1, timeoutMs: 5000 }))).toMatchObject({ code: 'ERR_WAREHOUSE', details: { sqlState: '0A000' } });
    expect(await errorOf(w.prepare({ sql: "COPY t TO 'x.csv'", maxRows: 1, timeoutMs: 5000 }))).toMatchObject({ code: 'ERR_WAREHOUSE', details: { sqlState: '42501' } });
    expect(w.slotsSnapshot().held).toEqual([]);
  });

  it('a statement whose deadline passes while it waits to run is not run: timeout, slot freed', async () => {
    const w = await open();
    const p = await w.prepare({ sql: 'INSERT INTO t VALUES (1)', maxRows: 1, timeoutMs: 300 });
    await new Promise((r) => setTimeout(r, 400));
    expect(await errorOf(p.run('{}'))).toMatchObject({ code: 'ERR_WAREHOUSE_TIMEOUT' });
    expect(w.slotsSnapshot().held).toEqual([]);
    expect(await count(w)).toBe(0);
  });

  it('prepared statements hold their slots: with both taken, the next waits until one is discarded', async () => {
    const w = await open(2);
    const a = await w.prepare({ sql: 'SELECT 1 AS n', maxRows: 1, timeoutMs: 5000 });
    const b = await w.prepare({ sql: 'SELECT 2 AS n', maxRows: 1, timeoutMs: 5000 });
    let third = false;
    const c = w.prepare({ sql: 'SELECT 3 AS n', maxRows: 1, timeoutMs: 5000 }).then((p) => ((third = true), p));
    await new Promise((r) => setTimeout(r, 50));
    expect(third).toBe(false);
    a.discard();
    expect((await (await c).run('{}')).rows).toEqual([[3]]);
    expect((await b.run('{}')).rows).toEqual([[2]]);
    expect(w.slotsSnapshot().held).toEqual([]);
  });

  it('an approved multi-statement text prepares, then runs its statements in order and returns the last one’s rows', async () => {
    const w = await open();
    const p = await w.prepare({ sql: 'INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); SELECT count(*)::INTEGER AS n FROM t', maxRows: 1, timeoutMs: 5000, statementCount: 3 });
    expect(await count(w)).toBe(0);
    const r = await p.run('{}');
    expect(r.rows).toEqual([[2]]);
    expect(r.queryIds).toHaveLength(3);
    expect(w.slotsSnapshot().held).toEqual([]);
  });
});
