import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DUCKDB_SANDBOX_OPTIONS } from '#shared/adapters/duckdb/duckdb-warehouse.js';
import { errorOf, seededWarehouse, type SeededWarehouse } from './warehouse-fixture.js';

let w: SeededWarehouse;
let secret: string;
beforeAll(async () => {
  w = await seededWarehouse();
  secret = join(w.dir, 'secret.txt');
  writeFileSync(secret, 'a,b\n1,2\n');
});
afterAll(async () => {
  await w?.dispose();
});

const out = () => join(w.dir, 'out.csv');

// Each is refused; afterwards the warehouse still answers and no file appeared.
const ESCAPES: Array<[string, () => string]> = [
  ['read_text of a file beside the database', () => `SELECT * FROM read_text('${secret}')`],
  ['read_csv', () => `SELECT * FROM read_csv('${secret}')`],
  ['a file path as a table', () => `SELECT * FROM '${secret}'`],
  ['glob', () => `SELECT * FROM glob('${w.dir}/*')`],
  ['COPY … TO', () => `COPY customers TO '${out()}'`],
  ['COPY (query) TO', () => `COPY (SELECT ssn FROM customers) TO '${out()}' (FORMAT csv)`],
  ['COPY … FROM', () => `COPY products FROM '${secret}'`],
  ['EXPORT DATABASE', () => `EXPORT DATABASE '${join(w.dir, 'export')}'`],
  ['ATTACH a file', () => `ATTACH '${join(w.dir, 'other.duckdb')}' AS other`],
  ['ATTACH in memory', () => `ATTACH ':memory:' AS scratch`],
  ['INSTALL', () => 'INSTALL httpfs'],
  ['LOAD', () => 'LOAD httpfs'],
  ['SET enable_external_access', () => 'SET enable_external_access = true'],
  ['SET lock_configuration', () => 'SET lock_configuration = false'],
  ['SET allowed_directories', () => `SET allowed_directories = ['${w.dir}']`],
  ['SET memory_limit', () => "SET memory_limit = '1TB'"],
  ['PRAGMA threads', () => 'PRAGMA threads = 1'],
  ['PRAGMA enable_profiling (prints to the server stdout)', () => 'PRAGMA enable_profiling'],
  ['SET profiling_output', () => `SET profiling_output = '${out()}'`],
  // DuckDB 1.5.6: enable_logging bypasses the configuration lock and then aborts the process.
  ['CALL enable_logging to a file', () => `CALL enable_logging(storage = 'file', storage_path = '${w.dir}/logs')`],
  ['enable_logging as a table function', () => `SELECT * FROM enable_logging(storage = 'file', storage_path = '${w.dir}/logs')`],
  ['enable_peg_parser (swaps the parser for everyone)', () => 'SELECT * FROM enable_peg_parser()'],
  ["read_blob of the database's own file (raw, unmasked bytes)", () => `SELECT * FROM read_blob('${w.path}')`],
  ["read_text of the database's WAL", () => `SELECT * FROM read_text('${w.path}.wal')`],
  ['SQL hidden in a string via query()', () => "SELECT * FROM query('SELECT * FROM enable_logging()')"],
  ['query() with a comment before the parenthesis', () => "SELECT * FROM query /* x */ ('SELECT 1')"],
  ['CREATE SECRET', () => "CREATE SECRET s (TYPE s3, KEY_ID 'x', SECRET 'y')"],
];

describe('DuckDbWarehouse sandbox: nothing reaches the files beside the database', () => {
  it.each(ESCAPES)('refuses %s', async (_name, sql) => {
    const e = await errorOf(w.run(sql()));
    expect(e.code).toBe('ERR_WAREHOUSE');
    expect((await w.run('SELECT count(*) AS n FROM products')).rows).toEqual([[200]]);
    expect(existsSync(out())).toBe(false);
    expect(existsSync(join(w.dir, 'logs'))).toBe(false);
  });

  it('refuses the names DuckDB itself lets through before it parses or binds them', async () => {
    for (const sql of [`SELECT * FROM read_blob('${w.path}')`, "CALL enable_logging(storage = 'file', storage_path = 'x')", "SELECT * FROM enable_peg_parser()"]) {
      const e = await errorOf(w.run(sql));
      expect(e.message).toMatch(/is not available on the local warehouse/);
      expect(e.details).toMatchObject({ sqlState: '42501' });
    }
  });

  it('still allows `query` as a column name, the GLOB operator and catalog introspection', async () => {
    expect((await w.run('SELECT 1 AS query')).rows).toEqual([[1]]);
    expect((await w.run("SELECT count(*) > 0 FROM customers WHERE name GLOB 'A*'")).rows).toEqual([[true]]);
    const r = await w.run("PRAGMA table_info('customers')");
    expect(r.rows.length).toBeGreaterThan(5);
  });
});

describe('the instance options alone (beneath the statement guard)', () => {
  it.each([
    ['read_text', () => `SELECT * FROM read_text('${secret}')`, /Permission Error/],
    ['read_csv', () => `SELECT * FROM read_csv('${secret}')`, /Permission Error/],
    ['COPY TO', () => `COPY (SELECT 1) TO '${out()}'`, /Permission Error/],
    ['ATTACH', () => `ATTACH '${join(w.dir, 'x.duckdb')}' AS x`, /Permission Error/],
    ['INSTALL', () => 'INSTALL httpfs', /Permission Error/],
    ['SET enable_external_access', () => 'SET enable_external_access = true', /locked/],
    ['PRAGMA threads', () => 'PRAGMA threads = 1', /locked/],
  ])('%s fails in DuckDB itself', async (_name, sql, expected) => {
    // A second in-memory instance with the same options: the guard is not involved here.
    const instance = await DuckDBInstance.create(':memory:', { ...DUCKDB_SANDBOX_OPTIONS });
    const connection = await instance.connect();
    try {
      await expect(connection.run(sql())).rejects.toThrow(expected);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
