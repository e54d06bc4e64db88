import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '#shared/adapters/duckdb/duckdb-warehouse.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir: string;
let warehouse: DuckDbWarehouse;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-values-'));
  warehouse = await DuckDbWarehouse.open({ path: join(dir, 'warehouse.duckdb') });
});
afterAll(async () => {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

async function one(expr: string): Promise<{ type: string; value: unknown }> {
  const r = await warehouse.execute({ sql: `SELECT ${expr} AS v`, queryTag: '{}', maxRows: 1, timeoutMs: 10_000 });
  // Every value must survive JSON unchanged: that is what records and responses hold.
  expect(JSON.parse(JSON.stringify(r.rows))).toEqual(r.rows);
  return { type: r.columns[0]!.type, value: r.rows[0]![0] };
}

describe('DuckDbWarehouse: JSON-safe values and Snowflake-like types', () => {
  it.each<[string, string, unknown]>([
    ['42::INTEGER', 'NUMBER(38,0)', 42],
    ['9007199254740991::BIGINT', 'NUMBER(38,0)', 9007199254740991],
    ['9007199254740993::BIGINT', 'NUMBER(38,0)', '9007199254740993'],
    ['-9007199254740993::BIGINT', 'NUMBER(38,0)', '-9007199254740993'],
    ['170141183460469231731687303715884105727::HUGEINT', 'NUMBER(38,0)', '170141183460469231731687303715884105727'],
    ['18446744073709551615::UBIGINT', 'NUMBER(38,0)', '18446744073709551615'],
    ['12.5::DECIMAL(10,2)', 'NUMBER(10,2)', '12.50'],
    ['-0.05::DECIMAL(10,2)', 'NUMBER(10,2)', '-0.05'],
    ['123456789012345678.12::DECIMAL(38,2)', 'NUMBER(38,2)', '123456789012345678.12'],
    ['1.5::DOUBLE', 'FLOAT', 1.5],
    ["'NaN'::DOUBLE", 'FLOAT', 'NaN'],
    ["'hi'", 'VARCHAR', 'hi'],
    ['true', 'BOOLEAN', true],
    ["DATE '2024-02-29'", 'DATE', '2024-02-29'],
    ["TIMESTAMP '2024-01-02 03:04:05'", 'TIMESTAMP_NTZ', '2024-01-02T03:04:05.000Z'],
    ["TIMESTAMP '2024-01-02 03:04:05.123456'", 'TIMESTAMP_NTZ', '2024-01-02T03:04:05.123456Z'],
    ["TIMESTAMP '1960-01-01 00:00:00.000001'", 'TIMESTAMP_NTZ', '1960-01-01T00:00:00.000001Z'],
    ["TIMESTAMPTZ '2024-01-02 03:04:05+02'", 'TIMESTAMP_TZ', '2024-01-02T01:04:05.000Z'],
    ["'2024-01-02 03:04:05.5'::TIMESTAMP_MS", 'TIMESTAMP_NTZ', '2024-01-02T03:04:05.500Z'],
    ["TIME '01:02:03'", 'TIME', '01:02:03'],
    ["'\\xAA\\xBB'::BLOB", 'BINARY', 'qrs='],
    ["{'a': 1, 'b': [1, 2], 'c': {'d': 'x'}}", 'OBJECT', { a: 1, b: [1, 2], c: { d: 'x' } }],
    ['[1, 2, 3]', 'ARRAY', [1, 2, 3]],
    ['[9007199254740993::BIGINT]', 'ARRAY', ['9007199254740993']],
    ['[1, 2]::INTEGER[2]', 'ARRAY', [1, 2]],
    ["MAP {'k': 1.5::DECIMAL(4,2)}", 'OBJECT', { k: '1.50' }],
    ['\'{"x": [1, null]}\'::JSON', 'VARIANT', { x: [1, null] }],
    ['NULL::VARCHAR', 'VARCHAR', null],
    ["'a'::UNION(s VARCHAR, n INTEGER)", 'OBJECT', { s: 'a' }],
  ])('%s → %s %j', async (expr, type, value) => {
    expect(await one(expr)).toEqual({ type, value });
  });
});
