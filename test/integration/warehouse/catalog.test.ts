import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbWarehouse } from '#shared/adapters/duckdb/duckdb-warehouse.js';
import { loadInformationSchema, warehouseCatalog } from '#shared/adapters/catalog/information-schema-catalog.js';
import type { Warehouse } from '#shared/ports/warehouse.js';
import { seedDemo } from '#local/seed/seed-demo.js';

let dir: string;
let warehouse: DuckDbWarehouse;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-catalog-'));
  await seedDemo(join(dir, 'demo.duckdb'));
  warehouse = await DuckDbWarehouse.open({ path: join(dir, 'demo.duckdb') });
}, 60_000);
afterAll(async () => {
  await warehouse?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the information_schema catalog over the DuckDB warehouse', () => {
  it('lists every demo table with its columns, by any qualification', async () => {
    const catalog = warehouseCatalog(warehouse, { now: () => new Date() });
    const customers = await catalog.tables(['CUSTOMERS']);
    expect(customers).toHaveLength(1);
    expect(customers?.[0]).toMatchObject({ schema: 'main', name: 'customers' });
    expect(customers?.[0]?.columns).toEqual(expect.arrayContaining(['email', 'ssn', 'birth_date']));
    expect((await catalog.tables(['HR', 'EMPLOYEES']))?.[0]?.columns).toContain('salary');
    expect(await catalog.tables(['DEMO', 'MAIN', 'ORDERS'])).toHaveLength(1);
    expect(await catalog.tables(['NO_SUCH_TABLE'])).toBeNull();
    expect(await catalog.tables(['OTHER_DB', 'MAIN', 'ORDERS'])).toBeNull();
  });

  it('drops the last table of a truncated answer, whose columns may be partial', async () => {
    const rows = [['d', 's', 'a', 'x'], ['d', 's', 'b', 'y'], ['d', 's', 'b', 'z']];
    const fake = (truncated: boolean): Warehouse => ({
      name: 'duckdb',
      execute: async () => ({ queryId: 'q', columns: [], rows, truncated, durationMs: 1 }),
      close: async () => undefined,
    });
    expect((await loadInformationSchema(fake(false))).map((t) => [t.name, t.columns])).toEqual([['a', ['x']], ['b', ['y', 'z']]]);
    expect((await loadInformationSchema(fake(true))).map((t) => t.name)).toEqual(['a']);
  });
});
