import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecuteInput, Warehouse } from '#shared/ports/warehouse.js';
import { errorOf } from '#test/integration/warehouse/warehouse-fixture.js';

/** The data every adapter under contract is seeded with (DuckDB SQL; the Snowflake wire server runs it on its DuckDB). */
export const CONTRACT_SEED = [
  `CREATE TABLE people AS SELECT range AS ID, 'person ' || range AS NAME, (range * 1.25)::DECIMAL(10,2) AS AMOUNT FROM range(2500)`,
];

export interface WarehouseUnderTest {
  warehouse: Warehouse;
  close(): Promise<void>;
}

const input = (sql: string, more: Partial<ExecuteInput> = {}): ExecuteInput => ({ sql, queryTag: '{"airlock":{"test":true}}', maxRows: 1000, timeoutMs: 20_000, ...more });

/**
 * One suite for the Warehouse port, run against every adapter: the same SQL gives the same
 * columns, JSON-safe values, truncation, errors and multi-statement behaviour.
 */
export function warehouseContract(name: string, open: () => Promise<WarehouseUnderTest>): void {
  describe(`Warehouse contract: ${name}`, () => {
    let w: WarehouseUnderTest;
    beforeAll(async () => {
      w = await open();
    });
    afterAll(async () => {
      await w?.close();
    });

    it('returns Snowflake type names and JSON-safe values', async () => {
      const r = await w.warehouse.execute(
        input(
          `SELECT 7::INTEGER AS I, 12.5::DECIMAL(10,2) AS D, 'x' AS S, TRUE AS B, DATE '2024-02-29' AS DT,
             TIMESTAMP '2024-01-02 03:04:05.123' AS TS, 9007199254740993::BIGINT AS BIG, 1.5::DOUBLE AS F,
             '{"a":[1,2]}'::JSON AS V, 'ab'::BLOB AS BIN, NULL::VARCHAR AS N`,
        ),
      );
      expect(r.columns).toEqual([
        { name: 'I', type: 'NUMBER(38,0)' },
        { name: 'D', type: 'NUMBER(10,2)' },
        { name: 'S', type: 'VARCHAR' },
        { name: 'B', type: 'BOOLEAN' },
        { name: 'DT', type: 'DATE' },
        { name: 'TS', type: 'TIMESTAMP_NTZ' },
        { name: 'BIG', type: 'NUMBER(38,0)' },
        { name: 'F', type: 'FLOAT' },
        { name: 'V', type: 'VARIANT' },
        { name: 'BIN', type: 'BINARY' },
        { name: 'N', type: 'VARCHAR' },
      ]);
      expect(r.rows).toEqual([[7, '12.50', 'x', true, '2024-02-29', '2024-01-02T03:04:05.123Z', '9007199254740993', 1.5, { a: [1, 2] }, 'YWI=', null]]);
      expect(JSON.parse(JSON.stringify(r.rows))).toEqual(r.rows);
      expect(r.truncated).toBe(false);
      expect(typeof r.queryId).toBe('string');
      expect(r.queryIds).toBeUndefined();
    });

    it('stops at maxRows and says the result was truncated', async () => {
      const r = await w.warehouse.execute(input('SELECT ID, NAME FROM people ORDER BY ID', { maxRows: 5 }));
      expect(r.rows).toEqual([0, 1, 2, 3, 4].map((i) => [i, `person ${i}`]));
      expect(r.truncated).toBe(true);
    });

    it('returns every row across chunk boundaries when they fit', async () => {
      const r = await w.warehouse.execute(input('SELECT ID, AMOUNT FROM people ORDER BY ID', { maxRows: 2500 }));
      expect(r.rows).toHaveLength(2500);
      expect(r.rows[2499]).toEqual([2499, '3123.75']);
      expect(r.truncated).toBe(false);
    });

    it('returns the columns of an empty result', async () => {
      const r = await w.warehouse.execute(input('SELECT ID FROM people WHERE ID < 0'));
      expect(r.columns).toEqual([{ name: 'ID', type: 'NUMBER(38,0)' }]);
      expect(r.rows).toEqual([]);
      expect(r.truncated).toBe(false);
    });

    it('maxRows 0 returns no rows and truncated when rows existed', async () => {
      const r = await w.warehouse.execute(input('SELECT ID FROM people', { maxRows: 0 }));
      expect(r.rows).toEqual([]);
      expect(r.truncated).toBe(true);
    });

    it('reports a missing table as ERR_WAREHOUSE with its SQL state and a query id', async () => {
      const e = await errorOf(w.warehouse.execute(input('SELECT * FROM no_such_table')));
      expect(e.code).toBe('ERR_WAREHOUSE');
      expect(e.details?.['sqlState']).toBe('42S02');
      expect(typeof e.details?.['queryId']).toBe('string');
      expect(e.message).toMatch(/no_such_table/i);
    });

    it('refuses a multi-statement text unless its exact statement count was given', async () => {
      expect((await errorOf(w.warehouse.execute(input('SELECT 1 AS A; SELECT 2 AS B')))).code).toBe('ERR_WAREHOUSE');
      expect((await errorOf(w.warehouse.execute(input('SELECT 1 AS A; SELECT 2 AS B; SELECT 3 AS C', { statementCount: 2 })))).code).toBe('ERR_WAREHOUSE');
    });

    it('runs an approved multi-statement text in order: the last rows and every query id', async () => {
      const r = await w.warehouse.execute(input('SELECT 1 AS A; SELECT count(*)::INTEGER AS N FROM people', { statementCount: 2 }));
      expect(r.columns).toEqual([{ name: 'N', type: 'NUMBER(38,0)' }]);
      expect(r.rows).toEqual([[2500]]);
      expect(r.queryIds).toHaveLength(2);
      expect(new Set(r.queryIds).size).toBe(2);
      expect(r.queryIds?.at(-1)).toBe(r.queryId);
    });
  });
}
