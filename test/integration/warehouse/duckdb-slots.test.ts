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
        const lease = await slots.acquire(Date.now() + 10_000);
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        await new Promise((r) => setImmediate(r));
        running--;
        lease!.release();
      }),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('gives up at the deadline without taking a slot', async () => {
    const slots = new DuckDbSlots(1);
    const hold = await slots.acquire(Date.now() + 1000);
    expect(await slots.acquire(Date.now())).toBeUndefined();
    hold!.release();
    const again = await slots.acquire(Date.now() + 1000);
    expect(again?.release).toBeTypeOf('function');
  });

  it('caps one owner below the pool size, so another owner gets a slot at once', async () => {
    const slots = new DuckDbSlots(3);
    const flood = await Promise.all([slots.acquire(Date.now() + 5000, 'flood'), slots.acquire(Date.now() + 5000, 'flood')]);
    const third = slots.acquire(Date.now() + 200, 'flood');
    const other = await slots.acquire(Date.now() + 5000, 'other');
    expect(other).toBeDefined();
    expect(await third).toBeUndefined();
    expect(slots.snapshot().held.filter((h) => h.owner === 'flood')).toHaveLength(2);
    for (const l of [...flood, other]) l!.release();
  });

  it('hands a freed slot to the waiting owner holding the fewest, not to the longest queue', async () => {
    const slots = new DuckDbSlots(2, { maxPerOwner: 2 });
    const a1 = await slots.acquire(Date.now() + 5000, 'a');
    const a2 = await slots.acquire(Date.now() + 5000, 'a');
    const granted: string[] = [];
    const waits = [
      slots.acquire(Date.now() + 5000, 'a').then((l) => (granted.push('a'), l)),
      slots.acquire(Date.now() + 5000, 'a').then((l) => (granted.push('a'), l)),
      slots.acquire(Date.now() + 5000, 'b').then((l) => (granted.push('b'), l)),
    ];
    a1!.release();
    await new Promise((r) => setImmediate(r));
    expect(granted).toEqual(['b']);
    a2!.release();
    const leases = await Promise.all(waits.slice(0, 1));
    expect(granted).toEqual(['b', 'a']);
    for (const l of leases) l!.release();
    for (const l of await Promise.all(waits)) l!.release();
    expect(slots.snapshot().held).toEqual([]);
  });

  it('the watchdog interrupts and frees a slot held past its deadline, and hands it on', async () => {
    const slots = new DuckDbSlots(1, { graceMs: 0, watchdogMs: 10_000 });
    const stuck = await slots.acquire(Date.now() + 20);
    let interrupted = 0;
    stuck!.onOverdue(() => interrupted++);
    const next = slots.acquire(Date.now() + 5000, 'x');
    slots.sweep(Date.now() + 1000);
    expect(interrupted).toBe(1);
    expect(stuck!.overdue).toBe(true);
    const lease = await next;
    expect(lease).toBeDefined();
    expect(slots.snapshot()).toMatchObject({ held: [{ owner: 'x' }], overdueFreed: 1 });
    stuck!.release(); // a late release of a freed slot must not free the next holder's
    expect(slots.snapshot().held).toHaveLength(1);
    lease!.release();
  });
});

describe('DuckDbWarehouse concurrency limit', () => {
  it('refuses a statement that waited its whole budget for a slot as busy, without running it', async () => {
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
      const busy = await errorOf(waiting);
      expect(busy.code).toBe('ERR_WAREHOUSE_BUSY');
      expect(busy.details?.['retryAfterSeconds']).toBeGreaterThan(0);
      expect((await errorOf(slow)).code).toBe('ERR_WAREHOUSE_TIMEOUT');
      const tables = await warehouse.execute({ sql: "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ran'", queryTag: '{}', maxRows: 1, timeoutMs: 5000 });
      expect(tables.rows).toEqual([[0]]);
    } finally {
      await warehouse.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
