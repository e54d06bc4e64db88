import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '#local/seed/seed-demo.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { rebuildWarehouseMessage } from '#shared/use-cases/rebuild-warehouse-message.js';
import { removeDir, startTestRuntime, type TestRuntime } from '../helpers/local-runtime.js';

/*
 * The warehouse boundary through the local runtime (dynalite, DuckDB, signed records):
 * - error messages built from data come back and are recorded without the data;
 * - text DuckDB would lex differently from the classifier is refused (400 ERR_SQL_AMBIGUOUS, query.denied);
 * - a result too large to return is refused (422 ERR_RESULT_TOO_LARGE, query.failed), the request closed.
 * Raw values are read straight from a DuckDB file seeded the same way (the seed is deterministic).
 */

let t: TestRuntime;
let agent: string;
let seedDir: string;
const raw: string[] = [];

beforeAll(async () => {
  t = await startTestRuntime();
  agent = await t.token();
  seedDir = mkdtempSync(join(tmpdir(), 'airlock-raw-'));
  const path = join(seedDir, 'demo.duckdb');
  await seedDemo(path);
  const instance = await DuckDBInstance.create(path);
  const c = await instance.connect();
  const customers = await c.runAndReadAll(
    'SELECT name, email, phone, ssn, card_number, birth_date::VARCHAR, address, regexp_replace(ssn, \'\\D\', \'\', \'g\'), regexp_replace(card_number, \'\\D\', \'\', \'g\'), regexp_replace(phone, \'\\D\', \'\', \'g\') FROM customers',
  );
  const employees = await c.runAndReadAll("SELECT name, email, ssn, salary::VARCHAR, regexp_replace(ssn, '\\D', '', 'g') FROM hr.employees");
  for (const row of [...customers.getRows(), ...employees.getRows()]) for (const v of row) if (typeof v === 'string' && v.length >= 6) raw.push(v);
  c.closeSync();
  instance.closeSync();
}, 120_000);
afterAll(async () => {
  await t.close();
  removeDir(t.dir);
  removeDir(seedDir);
});

/** Every raw value found in `text` (values indexed by their first 6 characters, so the scan is linear). */
function leaks(text: string): string[] {
  const byPrefix = new Map<string, string[]>();
  for (const v of raw) byPrefix.set(v.slice(0, 6), [...(byPrefix.get(v.slice(0, 6)) ?? []), v]);
  const found = new Set<string>();
  for (let i = 0; i + 6 <= text.length; i++) {
    for (const v of byPrefix.get(text.slice(i, i + 6)) ?? []) if (text.startsWith(v, i)) found.add(v);
  }
  return [...found];
}

async function sessionText(sessionId: string): Promise<{ text: string; records: unknown[] }> {
  const res = await t.get(`/v1/sessions/${sessionId}`, agent);
  expect(res.status).toBe(200);
  return { text: JSON.stringify(res.json), records: res.json.records as unknown[] };
}

async function verifies(records: unknown[]): Promise<boolean> {
  const { keys, certificates } = (await t.get('/v1/keys')).json as { keys: Array<{ keyId: string; pem: string }>; certificates: string[] };
  return (await verifyChain(records.map((r) => JSON.stringify(r)), new Map(keys.map((k) => [k.keyId, k.pem])), { certificates })).ok;
}

// Every DuckDB function found that raises an error built from its input, aimed at the demo data.
const ERRORS: string[] = [
  'SELECT error(name) FROM customers',
  "SELECT error(address || ' ' || birth_date) FROM customers",
  'SELECT error(ssn) FROM customers',
  'SELECT error(card_number) FROM customers',
  "SELECT error(concat_ws(' ', email, phone)) FROM customers",
  "SELECT strptime(name, '%Y') FROM customers",
  "SELECT strptime(ssn, '%d-%m-%Y') FROM customers",
  'SELECT name::INTEGER FROM customers',
  'SELECT CAST(phone AS DOUBLE) FROM customers',
  'SELECT card_number::BIGINT::INTEGER FROM customers',
  'SELECT birth_date::VARCHAR::INTEGER FROM customers',
  'SELECT ssn::DATE FROM customers',
  'SELECT ssn::TIME FROM customers',
  'SELECT ssn::INTERVAL FROM customers',
  'SELECT email::TIMESTAMP FROM customers',
  'SELECT email::UUID FROM customers',
  'SELECT postal_code::UTINYINT FROM customers',
  'SELECT json(name) FROM customers',
  'SELECT email::JSON FROM customers',
  'SELECT json_extract(address, email) FROM customers',
  "SELECT regexp_matches('a', name || '(') FROM customers",
  "SELECT regexp_replace('a', email || '[', 'x') FROM customers",
  'SELECT 1 / 0 AS a, 1 // 0 AS b, 1 % 0 AS c FROM customers LIMIT 1',
  'SELECT try_cast(name AS INTEGER) + error(email) FROM customers',
  'SELECT [1, 2][name::INT] FROM customers',
  "SELECT name::ENUM('a', 'b') FROM customers",
  "SELECT CAST(address AS ENUM('x')) FROM customers",
  'SELECT date_part(name, birth_date) FROM customers',
  'SELECT from_base64(name) FROM customers',
  'SELECT unhex(email)::VARCHAR FROM customers',
  'SELECT name::BIT FROM customers',
  'SELECT 10::TINYINT * ascii(name)::TINYINT FROM customers',
  'SELECT * FROM customers LIMIT (SELECT name FROM customers LIMIT 1)',
  "SELECT make_date(CAST(substr(ssn, 1, 3) AS INT) * 100, 13, 1) FROM customers",
  'SELECT (SELECT email FROM customers) AS e',
  'SELECT strftime(birth_date, name) FROM customers',
  'SELECT salary::DECIMAL(3,1) FROM hr.employees',
];

describe('errors carry no data', () => {
  it(`answers ${ERRORS.length} data-built errors with no raw value in any response or record`, async () => {
    const answers: string[] = [];
    const statuses: Record<string, number> = {};
    for (const sql of ERRORS) {
      const res = await t.post('/v1/queries', { prompt: 'probe', sql, sessionId: 'errors-1' }, agent);
      expect([200, 202, 400, 403, 422]).toContain(res.status);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      answers.push(JSON.stringify(res.json));
      if (res.status === 422) expect(res.json.error.message).toMatch(/^(Conversion|Invalid Input|Out of Range|Binder|Not implemented) Error: /);
    }
    const { text, records } = await sessionText('errors-1');
    expect(leaks(answers.join('\n'))).toEqual([]);
    expect(leaks(text)).toEqual([]);
    expect(await verifies(records)).toBe(true);
    // Most of them reached DuckDB and failed there.
    expect(statuses[422] ?? 0).toBeGreaterThan(20);
  }, 120_000);

  it('no sensitive value of the demo data survives a rebuild, in either warehouse’s texts', () => {
    expect(raw.length).toBeGreaterThan(30_000);
    const kept = raw.filter(
      (v) =>
        rebuildWarehouseMessage(`Invalid Input Error: ${v}`, 'SELECT error(name) FROM customers', 'duckdb').includes(v) ||
        rebuildWarehouseMessage(`100038 (22018): Numeric value '${v}' is not recognized`, 'SELECT name::NUMBER FROM customers', 'snowflake').includes(v),
    );
    expect(kept).toEqual([]);
  });

  it('keeps the error class and the vocabulary: the agent can still fix its SQL', async () => {
    const res = await t.post('/v1/queries', { prompt: 'p', sql: 'SELECT name::INTEGER FROM customers', sessionId: 'errors-2' }, agent);
    expect(res.status).toBe(422);
    expect(res.json.error).toMatchObject({ code: 'ERR_WAREHOUSE', sqlState: '22018' });
    expect(res.json.error.message).toBe("Conversion Error: Could not convert string '[…]' to INT32 when casting from source column name");
    const typo = await t.post('/v1/queries', { prompt: 'p', sql: 'SELECT nme FROM customers', sessionId: 'errors-2' }, agent);
    expect(typo.status).toBe(422);
    expect(typo.json.error.message).toMatch(/^Binder Error: Referenced column "nme" not found in FROM clause!/);
  });
});

describe('the warehouse runs what was classified', () => {
  it('refuses `//` before it runs: 400 ERR_SQL_AMBIGUOUS, recorded as query.denied with the reason', async () => {
    const sql = 'SELECT 1 // 1 AS z, name AS n, salary AS sal FROM hr.employees';
    const res = await t.post('/v1/queries', { prompt: 'p', sql, sessionId: 'lex-1', idempotencyKey: 'lex-k1' }, agent);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('ERR_SQL_AMBIGUOUS');
    expect(res.json.status).toBe('denied');
    expect(res.json.reasons.map((r: { code: string }) => r.code)).toContain('X-LEX');
    const { records, text } = await sessionText('lex-1');
    expect((records as Array<{ type: string }>).map((r) => r.type)).toEqual(['query.requested', 'query.denied']);
    expect(text).toContain('integer division in DuckDB');
    expect(leaks(text)).toEqual([]);
    expect(await verifies(records)).toBe(true);
    // The request is closed as denied, and a retry with the same key answers the same.
    const item = await t.get(`/v1/queries/${res.json.requestId}`, agent);
    expect(item.json.status).toBe('denied');
    const again = await t.post('/v1/queries', { prompt: 'p', sql, sessionId: 'lex-1', idempotencyKey: 'lex-k1' }, agent);
    expect(again.status).toBe(400);
    expect(again.json.requestId).toBe(res.json.requestId);
  });

  it.each([
    "SELECT id, 'a\\' , email, '' AS x FROM customers",
    'SELECT $t$ x $t$ AS a, ssn FROM customers',
    'SELECT 1_000 AS n, name FROM customers',
    "SELECT id FROM customers WHERE name = E'\\'' OR ssn LIKE '1%' --'",
  ])('refuses %j with 400 and runs nothing', async (sql) => {
    const res = await t.post('/v1/queries', { prompt: 'p', sql, sessionId: 'lex-2' }, agent);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('ERR_SQL_AMBIGUOUS');
    const { records } = await sessionText('lex-2');
    expect((records as Array<{ type: string }>).some((r) => r.type === 'query.executed' || r.type === 'query.failed')).toBe(false);
  });
});

describe('a result too large to return', () => {
  it('answers 422 ERR_RESULT_TOO_LARGE with a query.failed record; the request is closed; memory is not kept', async () => {
    const before = process.memoryUsage().heapUsed;
    const sql = "SELECT list_value(repeat('a', 30000000), repeat('b', 30000000)) AS x";
    const res = await t.post('/v1/queries', { prompt: 'p', sql, sessionId: 'big-1' }, agent);
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('ERR_RESULT_TOO_LARGE');
    expect(res.json.status).toBe('failed');
    const { records } = await sessionText('big-1');
    const types = (records as Array<{ type: string; body: { error?: { code?: string } } }>).map((r) => [r.type, r.body.error?.code ?? null]);
    expect(types).toEqual([
      ['query.requested', null],
      ['query.failed', 'ERR_RESULT_TOO_LARGE'],
    ]);
    const item = await t.get(`/v1/queries/${res.json.requestId}`, agent);
    expect(item.json.status).toBe('failed');
    // The cell was refused from DuckDB's vector, never built as a 30 MB JS string.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
    // Ordinary reads still answer.
    const ok = await t.post('/v1/queries', { prompt: 'p', sql: 'SELECT id, segment FROM customers ORDER BY id LIMIT 3', sessionId: 'big-1' }, agent);
    expect(ok.status).toBe(200);
    expect(ok.json.rowCount).toBe(3);
  }, 120_000);

  it('a row larger than the limit is refused even when many small rows would only be truncated', async () => {
    const many = await t.post('/v1/queries', { prompt: 'p', sql: 'SELECT id, body FROM support_tickets', sessionId: 'big-2' }, agent);
    expect(many.status).toBe(200);
    expect(many.json.truncated).toBe(true);
    const one = await t.post('/v1/queries', { prompt: 'p', sql: "SELECT {'a': repeat('x', 300000)} AS s", sessionId: 'big-2' }, agent);
    expect(one.status).toBe(422);
    expect(one.json.error.code).toBe('ERR_RESULT_TOO_LARGE');
  });
});
