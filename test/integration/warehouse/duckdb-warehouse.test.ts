import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLuhnValid } from '#local/seed/demo-data.js';
import { DEMO_ROW_COUNTS, describeDemoTables } from '#local/seed/demo-schema.js';
import { seedDemo } from '#local/seed/seed-demo.js';
import { errorOf, seededWarehouse, type SeededWarehouse } from './warehouse-fixture.js';

let a: SeededWarehouse;
let b: SeededWarehouse;

beforeAll(async () => {
  [a, b] = await Promise.all([seededWarehouse(), seededWarehouse()]);
});
afterAll(async () => {
  await Promise.all([a?.dispose(), b?.dispose()]);
});

const TABLES = ['customers', 'orders', 'products', 'support_tickets', 'hr.employees'];
const checksum = (table: string) => `SELECT md5(string_agg(t::VARCHAR, '|' ORDER BY t.id)) AS h FROM ${table} t`;

describe('demo seed', () => {
  it('creates the tables with the documented row counts', async () => {
    expect(a.seed.seeded).toBe(true);
    const r = await a.run(
      `SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM orders), (SELECT count(*) FROM products),
              (SELECT count(*) FROM support_tickets), (SELECT count(*) FROM hr.employees), current_database()`,
    );
    const { customers, orders, products, support_tickets, employees } = DEMO_ROW_COUNTS;
    expect(r.rows[0]).toEqual([customers, orders, products, support_tickets, employees, 'warehouse']);
  });

  it('is deterministic: two fresh seeds give identical tables', async () => {
    for (const table of TABLES) {
      const [x, y] = await Promise.all([a.run(checksum(table)), b.run(checksum(table))]);
      expect(x.rows[0]?.[0]).toMatch(/^[0-9a-f]{32}$/);
      expect(x.rows[0]?.[0], table).toBe(y.rows[0]?.[0]);
    }
  });

  it('is idempotent: seeding a seeded file changes nothing', async () => {
    const before = await a.run(checksum('customers'));
    await a.warehouse.close(); // one file, one instance at a time
    expect(await seedDemo(a.path)).toEqual({ seeded: false, durationMs: 0 });
    const { DuckDbWarehouse } = await import('#shared/adapters/duckdb/duckdb-warehouse.js');
    a.warehouse = await DuckDbWarehouse.open({ path: a.path });
    const after = await a.warehouse.execute({ sql: checksum('customers'), queryTag: '{}', maxRows: 1, timeoutMs: 20_000 });
    expect(after.rows).toEqual(before.rows);
  });

  it('holds PII in realistic, fictional shapes', async () => {
    const r = await b.run('SELECT ssn, card_number, phone, email FROM customers');
    for (const [ssn, card, phone, email] of r.rows as string[][]) {
      expect(ssn).toMatch(/^(?!000|666|9)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$/);
      expect(isLuhnValid(card!)).toBe(true);
      expect(card).toMatch(/^(4111|5555|4000|5200)\d{12}$/);
      expect(phone).toMatch(/^(\+1-\d{3}-555-01\d{2}|\(\d{3}\) 555-01\d{2})$/);
      expect(email).toMatch(/@example\.(com|org|net)$/);
    }
    const t = await b.run(
      `SELECT count(*) FILTER (WHERE regexp_matches(body, '[\\w.]+@example\\.\\w+')),
              count(*) FILTER (WHERE regexp_matches(body, '555-01\\d\\d')),
              count(*) FILTER (WHERE regexp_matches(body, '\\d{16}'))
       FROM support_tickets`,
    );
    const [emails, phones, cards] = t.rows[0] as number[];
    expect(emails).toBe(DEMO_ROW_COUNTS.support_tickets);
    expect(phones).toBeGreaterThan(1000);
    expect(cards).toBeGreaterThan(100);
  });

  it('describes its tables for the banner', () => {
    expect(describeDemoTables()).toContain('customers');
    expect(describeDemoTables()).toContain('hr.employees');
  });
});

describe('DuckDbWarehouse.execute', () => {
  it('returns Snowflake-like column types, a duckdb- query id and a duration', async () => {
    const r = await b.run('SELECT id, name, created_at FROM customers ORDER BY id LIMIT 2');
    expect(r.columns).toEqual([
      { name: 'id', type: 'NUMBER(38,0)' },
      { name: 'name', type: 'VARCHAR' },
      { name: 'created_at', type: 'TIMESTAMP_NTZ' },
    ]);
    expect(r.queryId).toMatch(/^duckdb-[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    expect(r.truncated).toBe(false);
  });

  it('reads at most maxRows and says when more existed', async () => {
    const ten = await b.run('SELECT id FROM customers ORDER BY id', { maxRows: 10 });
    expect(ten.rows).toEqual([[1], [2], [3], [4], [5], [6], [7], [8], [9], [10]]);
    expect(ten.truncated).toBe(true);
    const exact = await b.run('SELECT id FROM customers', { maxRows: DEMO_ROW_COUNTS.customers });
    expect([exact.rows.length, exact.truncated]).toEqual([DEMO_ROW_COUNTS.customers, false]);
    const zero = await b.run('SELECT id FROM customers', { maxRows: 0 });
    expect([zero.rows.length, zero.truncated]).toEqual([0, true]);
    const empty = await b.run('SELECT id FROM customers WHERE id < 0', { maxRows: 0 });
    expect([empty.rows.length, empty.truncated]).toEqual([0, false]);
  });

  it('stops a slow statement at timeoutMs with ERR_WAREHOUSE_TIMEOUT, and keeps working', async () => {
    const e = await errorOf(b.run('SELECT count(*) FROM range(100000000) x, range(100000000) y WHERE x.range + y.range = -1', { timeoutMs: 400 }));
    expect(e.code).toBe('ERR_WAREHOUSE_TIMEOUT');
    expect((await b.run('SELECT 1 AS one')).rows).toEqual([[1]]);
  });

  it('turns SQL errors into ERR_WAREHOUSE with DuckDB message and a SQLSTATE', async () => {
    const missing = await errorOf(b.run('SELECT * FROM no_such_table'));
    expect(missing.code).toBe('ERR_WAREHOUSE');
    expect(missing.message).toContain('no_such_table');
    expect(missing.details).toMatchObject({ sqlState: '42S02', errorType: 'Catalog' });
    const syntax = await errorOf(b.run('SELEC 1'));
    expect([syntax.code, syntax.details?.['sqlState']]).toEqual(['ERR_WAREHOUSE', '42000']);
    const conversion = await errorOf(b.run("SELECT 'abc'::INTEGER"));
    expect([conversion.code, conversion.details?.['sqlState']]).toEqual(['ERR_WAREHOUSE', '22018']);
  });

  it.each([['SELECT 1; SELECT 2'], [''], ['   '], ['-- only a comment']])('runs exactly one statement, refusing %j', async (sql) => {
    expect((await errorOf(b.run(sql))).code).toBe('ERR_WAREHOUSE');
  });

  it('runs writes (after approval upstream) and returns their counts', async () => {
    const r = await b.run("INSERT INTO products VALUES (9001, 'TST-09001', 'Test', 'Test', 1.00, true)");
    expect(r.rows).toEqual([[1]]);
    await b.run('DELETE FROM products WHERE id = 9001');
  });

  it('serves concurrent executes, each on its own connection', async () => {
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => b.run(`SELECT id, name FROM customers WHERE id = ${i + 1}`)),
    );
    results.forEach((r, i) => expect(r.rows[0]?.[0]).toBe(i + 1));
    expect(new Set(results.map((r) => r.queryId)).size).toBe(24);
  });
});

describe('threads', () => {
  it('runs each statement on one DuckDB thread by default (statements run side by side in their slots)', async () => {
    const w = await seededWarehouse();
    try {
      const r = await w.run("SELECT current_setting('threads') AS t");
      expect(Number(r.rows[0]?.[0])).toBe(1);
    } finally {
      await w.dispose();
    }
  });
});
