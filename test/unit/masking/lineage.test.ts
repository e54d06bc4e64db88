import { describe, expect, it } from 'vitest';
import { maskResult } from '#shared/masking/mask-result.js';
import type { OutputColumn } from '#shared/sql/types.js';
import { col, config, input, src } from './masking-fixtures.js';

// The demo rules, plus a qualified one that only lineage can satisfy.
const RULES = config([
  { pattern: 'EMAIL', rule: 'pseudonym' },
  { pattern: 'phone', rule: 'partial' },
  { pattern: 'SSN', rule: 'redact' },
  { pattern: 'card_number', rule: 'partial' },
  { pattern: 'HR.EMPLOYEES.SALARY', rule: 'redact' },
]);

const item = (name: string, sources: OutputColumn['sources'], complete = true): OutputColumn => ({ name, sources, complete });
const star = (object: string | null): OutputColumn => ({ name: '*', sources: [], complete: true, star: { object } });

describe('column rules follow lineage, not names', () => {
  it('SELECT ssn AS x: the alias is redacted', () => {
    const out = maskResult(
      input({ columns: [col('X')], rows: [['123-45-6789']], lineage: [item('X', [src('CUSTOMERS', 'SSN')])], objects: [{ name: 'CUSTOMERS' }] }),
      RULES,
    );
    expect(out.rows).toEqual([['[REDACTED]']]);
    expect(out.masked).toEqual([{ column: 'X', rule: 'redact', cells: 1 }]);
  });

  it('LEFT(email, 3) AS e and email || \'\': derived values keep the source column rule', () => {
    const out = maskResult(
      input({
        columns: [col('E'), col(`EMAIL || ''`)],
        rows: [['ann', 'ann@example.com']],
        lineage: [item('E', [src('CUSTOMERS', 'EMAIL')]), item(`EMAIL || ''`, [src('CUSTOMERS', 'EMAIL')])],
        objects: [{ name: 'CUSTOMERS' }],
      }),
      RULES,
    );
    const [e, concat] = out.rows[0] ?? [];
    expect(e).toMatch(/^tok_[0-9a-f]{16}$/);
    expect(concat).toMatch(/^email_[0-9a-f]{16}$/);
    expect(out.masked.map((m) => m.rule)).toEqual(['pseudonym', 'pseudonym']);
  });

  it('a CTE passing email through under another name is masked', () => {
    // WITH c AS (SELECT email AS contact FROM customers) SELECT contact FROM c
    const out = maskResult(
      input({ columns: [col('CONTACT')], rows: [['ann@example.com']], lineage: [item('CONTACT', [src('CUSTOMERS', 'EMAIL')])], objects: [{ name: 'CUSTOMERS' }] }),
      RULES,
    );
    expect(out.rows[0]?.[0]).toMatch(/^email_/);
  });

  it('an unqualified source is qualified by the statement\'s only table', () => {
    const lineage = [item('PAY', [src(null, 'SALARY')])];
    const hr = maskResult(input({ columns: [col('PAY')], rows: [[100]], lineage, objects: [{ name: 'HR.EMPLOYEES' }] }), RULES);
    const other = maskResult(input({ columns: [col('PAY')], rows: [[100]], lineage, objects: [{ name: 'SALES.EMPLOYEES' }] }), RULES);
    expect(hr.rows).toEqual([['[REDACTED]']]);
    expect(other.rows).toEqual([[100]]);
  });

  it('a qualified pattern does not match an alias whose lineage says otherwise; a bare one does', () => {
    // SELECT name AS salary FROM hr.employees
    const rows = [['Ann']];
    const lineage = [item('SALARY', [src('HR.EMPLOYEES', 'NAME')])];
    const qualifiedOnly = config([{ pattern: 'HR.EMPLOYEES.SALARY', rule: 'redact' }]);
    const bare = config([{ pattern: 'SALARY', rule: 'redact' }]);
    expect(maskResult(input({ columns: [col('SALARY')], rows, lineage }), qualifiedOnly).rows).toEqual([['Ann']]);
    expect(maskResult(input({ columns: [col('SALARY')], rows, lineage }), bare).rows).toEqual([['[REDACTED]']]);
  });
});

describe('star expansion', () => {
  const columns = [col('ID', 'NUMBER'), col('EMAIL'), col('SSN'), col('TOTAL', 'NUMBER')];
  const row = [1, 'ann@example.com', '123-45-6789', 99];

  it('SELECT c.*, o.amount AS total: star columns match by name, qualified by the star\'s table', () => {
    const out = maskResult(
      input({
        columns,
        rows: [row],
        lineage: [star('CUSTOMERS'), item('TOTAL', [src('ORDERS', 'AMOUNT')])],
        objects: [{ name: 'CUSTOMERS' }, { name: 'ORDERS' }],
      }),
      config([
        { pattern: 'CUSTOMERS.EMAIL', rule: 'pseudonym' },
        { pattern: 'ORDERS.SSN', rule: 'partial' },
        { pattern: 'customers.ssn', rule: 'redact' },
      ]),
    );
    expect(out.rows[0]?.[0]).toBe(1);
    expect(out.rows[0]?.[1]).toMatch(/^email_/);
    expect(out.rows[0]?.[2]).toBe('[REDACTED]');
    expect(out.rows[0]?.[3]).toBe(99);
  });

  it('SELECT * over several tables: a star with no object may have taken the column from any of them', () => {
    const out = maskResult(
      input({ columns, rows: [row], lineage: [star(null)], objects: [{ name: 'ORDERS' }, { name: 'CUSTOMERS' }] }),
      config([{ pattern: 'CUSTOMERS.SSN', rule: 'redact' }]),
    );
    expect(out.rows[0]?.[2]).toBe('[REDACTED]');
  });

  it('two stars (counts differ): aligned by name, still masked', () => {
    const out = maskResult(
      input({ columns, rows: [row], lineage: [star('CUSTOMERS'), star('ORDERS')], objects: [{ name: 'CUSTOMERS' }, { name: 'ORDERS' }] }),
      RULES,
    );
    expect(out.rows[0]?.[1]).toMatch(/^email_/);
    expect(out.rows[0]?.[2]).toBe('[REDACTED]');
  });
});

describe('missing or incomplete lineage fails closed', () => {
  it('an incomplete column is redacted whole when the statement touches a sensitive column', () => {
    // SELECT email, mystery_udf(notes) AS y FROM customers
    const out = maskResult(
      input({
        columns: [col('EMAIL'), col('Y')],
        rows: [['ann@example.com', 'harmless'], [null, 'also harmless']],
        lineage: [item('EMAIL', [src('CUSTOMERS', 'EMAIL')]), item('Y', [], false)],
        objects: [{ name: 'CUSTOMERS' }],
      }),
      RULES,
    );
    expect(out.rows.map((r) => r[1])).toEqual(['[REDACTED]', '[REDACTED]']);
    expect(out.masked).toEqual([
      { column: 'EMAIL', rule: 'pseudonym', cells: 1 },
      { column: 'Y', rule: 'redact', cells: 2 },
    ]);
  });

  it('an incomplete column is left to the detectors when nothing sensitive is touched', () => {
    const out = maskResult(
      input({ columns: [col('Y')], rows: [['harmless, mail ann@example.com']], lineage: [item('Y', [], false)] }),
      RULES,
    );
    expect(out.rows).toEqual([['harmless, mail [REDACTED:email]']]);
    expect(out.masked).toEqual([{ column: 'Y', rule: 'detector:email', cells: 1 }]);
  });

  it('the caller\'s touchesSensitive (e.g. WHERE ssn = …) taints columns without lineage', () => {
    const columns = [col('A'), col('B')];
    const rows = [['x', 'y']];
    expect(maskResult(input({ columns, rows, lineage: null, touchesSensitive: true }), RULES).rows).toEqual([['[REDACTED]', '[REDACTED]']]);
    expect(maskResult(input({ columns, rows, lineage: null, touchesSensitive: false }), RULES).rows).toEqual([['x', 'y']]);
  });

  it('lineage items that do not line up with the output count by name; unexplained columns are missing', () => {
    const out = maskResult(
      input({
        columns: [col('EMAIL'), col('EXTRA')],
        rows: [['ann@example.com', 'z']],
        lineage: [item('EMAIL', [src('CUSTOMERS', 'EMAIL')])],
        objects: [{ name: 'CUSTOMERS' }],
      }),
      RULES,
    );
    expect(out.rows[0]?.[0]).toMatch(/^email_/);
    expect(out.rows[0]?.[1]).toBe('[REDACTED]');
  });
});
