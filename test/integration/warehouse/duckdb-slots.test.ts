import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDbSlots } from '#shared/adapters/duckdb/duckdb-slots.js';
import { DuckDbWarehouse } from '#shared/adapters/duckdb/duckdb-warehouse.js';
import { errorOf } from './warehouse-fixture.js';

describe('DuckDbSlots', () => {
  it('never lets more than its size run at once, and serves waiters in order', async () => {
    const slots = new DuckDbSlots(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const release = await slots.acquire(Date.now() + 10_000);
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        await new Promise((r) => setImmediate(r));
        running--;
        release!();
      }),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('gives up at the deadline without taking a slot', async () => {
    const slots = new DuckDbSlots(1);
    const hold = await slots.acquire(Date.now() + 1000);
    expect(await slots.acquire(Date.now())).toBeUndefined();
    hold!();
    const again = await slots.acquire(Date.now() + 1000);
    expect(again).toBeTypeOf('function');
  });
});

describe('DuckDbWarehouse concurrency limit', () => {
  it('times out a statement that waited its whole budget for a slot, without running it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-slots-'));
    const warehouse = await DuckDbWarehouse.open({ path: join(dir, 'warehouse.duckdb'), maxConcurrency: 1 });
    try {
      const slow = warehouse.execute({
        sql: 'SELECT count(*) FROM range(100000000) x, range(100000000) y WHERE x.range + y.range = -1',
        queryTag: '{}',
        maxRows: 1,
        timeoutMs: 500,
      });
      const waiting = warehouse.execute({ sql: 'CREATE TABLE ran AS SELECT 1 AS x', queryTag: '{}', maxRows: 1, timeoutMs: 1 });
      expect((await errorOf(waiting)).code).toBe('ERR_WAREHOUSE_TIMEOUT');
      expect((await errorOf(slow)).code).toBe('ERR_WAREHOUSE_TIMEOUT');
      const tables = await warehouse.execute({ sql: "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ran'", queryTag: '{}', maxRows: 1, timeoutMs: 5000 });
      expect(tables.rows).toEqual([[0]]);
    } finally {
      await warehouse.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
