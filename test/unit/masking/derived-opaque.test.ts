import { describe, expect, it } from 'vitest';
import { maskResult } from '#shared/masking/mask-result.js';
import { classify } from '#shared/sql/classify.js';
import { config } from './masking-fixtures.js';

const RULES = config([
  { pattern: 'EMAIL', rule: 'pseudonym' },
  { pattern: 'SSN', rule: 'redact' },
  { pattern: 'PHONE', rule: 'partial' },
], { email: 'off', phone: 'off', ssn: 'off' });

/** Masks one row of made-up values with the classifier's lineage for `sql`. */
function mask(sql: string, names: string[], row: unknown[], opaque = false): unknown[] {
  const st = classify(sql).statements[0]!;
  return maskResult(
    { columns: names.map((name) => ({ name, type: 'VARCHAR' })), rows: [row], lineage: st.columns, touchesSensitive: false, objects: st.objects, opaque },
    RULES,
  ).rows[0]!;
}

describe('a masked column can only be read as itself', () => {
  it('keeps the column rule for plain outputs, through aliases, CTEs, subqueries and UNION', () => {
    expect(mask('SELECT email AS x, phone FROM customers', ['X', 'PHONE'], ['ann@example.com', '555-0100-1234'])).toEqual([expect.stringMatching(/^email_[0-9a-f]{16}$/), expect.stringMatching(/\*.*1234$/)]);
    expect(mask('WITH a AS (SELECT email AS e FROM customers) SELECT e FROM a', ['E'], ['ann@example.com'])[0]).toMatch(/^email_/);
    expect(mask('SELECT x FROM (SELECT phone AS x FROM customers) s UNION ALL SELECT phone FROM customers', ['X'], ['555-0100-1234'])[0]).toMatch(/1234$/);
  });

  it.each([
    ['SELECT left(email, 3) AS e FROM customers', 'E'],
    ['SELECT length(email) AS n FROM customers', 'N'],
    ['SELECT md5(ssn) AS h FROM customers', 'H'],
    ["SELECT CASE WHEN ssn LIKE '1%' THEN 'y' ELSE 'n' END AS b FROM customers", 'B'],
    ['SELECT max(phone) AS m FROM customers', 'M'],
    ['SELECT lag(email) OVER (ORDER BY id) AS p FROM customers', 'P'],
    ['SELECT phone::VARCHAR AS p FROM customers', 'P'],
    ["SELECT phone || '' AS p FROM customers", 'P'],
    ['WITH a AS (SELECT upper(email) AS e FROM customers) SELECT e FROM a', 'E'],
    ['SELECT e FROM (SELECT reverse(phone) AS e FROM customers) s', 'E'],
  ])('redacts a value computed from a sensitive column whatever its rule: %s', (sql, name) => {
    expect(mask(sql, [name], ['x-5550100-1234'])).toEqual(['[REDACTED]']);
  });

  it.each([
    "SELECT CASE WHEN ssn LIKE '1%' THEN 1 END AS b FROM customers",
    "SELECT nullif(left(email, 1), 'a') AS b FROM customers",
    'SELECT CASE WHEN phone IS NULL THEN NULL ELSE 1 END AS b FROM customers',
  ])('hides NULL too where a computed value is redacted, so NULL-or-not carries no bit of the column: %s', (sql) => {
    // A derived output that is NULL for some rows and not for others would partition them by a predicate on the column.
    expect(mask(sql, ['B'], [null])).toEqual(['[REDACTED]']);
  });

  it('hides NULL in every column of an opaque statement', () => {
    expect(mask('SELECT id, email FROM customers', ['ID', 'EMAIL'], [null, null], true)).toEqual(['[REDACTED]', '[REDACTED]']);
  });

  it('keeps NULL for a plain sensitive column read as itself, and for columns of no rule', () => {
    expect(mask('SELECT ssn, city FROM customers', ['SSN', 'CITY'], [null, null])).toEqual([null, null]);
  });

  it('leaves values computed from other columns to the detectors', () => {
    expect(mask('SELECT upper(city) AS c FROM customers', ['C'], ['Paris'])).toEqual(['Paris']);
  });

  it('redacts every column of an opaque statement', () => {
    expect(mask('SELECT id, city FROM customers', ['ID', 'CITY'], ['1', 'Paris'], true)).toEqual(['[REDACTED]', '[REDACTED]']);
  });
});
