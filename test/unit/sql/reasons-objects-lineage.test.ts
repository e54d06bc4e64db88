import { describe, expect, it } from 'vitest';
import { classify } from '#shared/sql/classify.js';
import type { OutputColumn } from '#shared/sql/types.js';

const columns = (sql: string): OutputColumn[] => classify(sql).statements[0]?.columns ?? [];

describe('classify: reasons', () => {
  it('points at the offending text with line, column and offset', () => {
    const c = classify('SELECT 1;\n\n  DROP SCHEMA s;');
    expect(c.reasons[0]).toEqual({ code: 'B1', message: 'line 3: DROP SCHEMA destroys a schema (B1)', at: { line: 3, column: 3, offset: 13 } });
  });

  it('names the SYSTEM$ function that is not allowlisted', () => {
    expect(classify('SELECT\n  SYSTEM$ABORT_SESSION(1)').reasons[0]?.message).toBe(
      'line 2: calls SYSTEM$ABORT_SESSION, which is not on the read-only allowlist (P-S)',
    );
  });

  it('orders reasons by severity, then position', () => {
    const codes = classify('SELECT 1; GRANT SELECT ON TABLE t TO ROLE r; DROP DATABASE d').reasons.map((r) => r.code);
    expect(codes).toEqual(['B1', 'P-D', 'M1', 'R1']);
  });

  it('reports I1 for empty texts and P-U with the position of a bad character', () => {
    for (const sql of ['', '   ', '-- x', '/* x */', '// x', ';']) expect(classify(sql)).toMatchObject({ risk: 'invalid', reasons: [{ code: 'I1' }] });
    expect(classify('SELECT 1 FROM t WHERE a\u00a0= 1').reasons[0]).toMatchObject({ code: 'P-U', at: { line: 1, column: 24, offset: 23 } });
  });

  it('reports the statement kind and span', () => {
    const c = classify('  SELECT 1 ;  UPDATE t SET a = 1');
    expect(c.statements.map((s) => [s.kind, s.span])).toEqual([
      ['select', { start: 2, end: 10 }],
      ['update', { start: 14, end: 32 }],
    ]);
  });
});

describe('classify: objects', () => {
  const objects = (sql: string): string[] => (classify(sql).statements[0]?.objects ?? []).map((o) => `${o.access}:${o.kind}:${o.name}`);

  it('lists read sources, excluding CTE names and table functions, keeping INFORMATION_SCHEMA views', () => {
    expect(objects('WITH c AS (SELECT * FROM prod.hr."Salaries") SELECT * FROM c JOIN info.information_schema.tables t ON 1 = 1, TABLE(FLATTEN(input => c.v)) f')).toEqual([
      'read:table:PROD.HR.Salaries',
      'read:table:INFO.INFORMATION_SCHEMA.TABLES',
    ]);
  });

  it('marks DML and COPY targets as write, DDL targets as ddl, stages as stage', () => {
    expect(objects('INSERT INTO t (a) SELECT a FROM s')).toEqual(['write:table:T', 'read:table:S']);
    expect(objects('MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE')).toEqual(['write:table:T', 'read:table:S']);
    expect(objects('COPY INTO raw.t FROM @raw.landing/x.csv')).toEqual(['write:table:RAW.T', 'read:stage:@RAW.LANDING']);
    expect(objects('DROP TABLE IF EXISTS a.b')).toEqual(['ddl:table:A.B']);
    expect(objects('SELECT $1 FROM @~')).toContain('read:stage:@~');
  });

  it('gives parts for normalised names', () => {
    expect(classify('SELECT 1 FROM prod.hr."Salaries"').statements[0]?.objects[0]?.parts).toEqual(['PROD', 'HR', 'Salaries']);
  });
});

describe('classify: lineage', () => {
  it('follows aliases, functions and concatenation', () => {
    expect(columns("SELECT ssn AS x, LEFT(email, 3), email || '' AS e FROM customers c")).toEqual([
      { name: 'X', sources: [{ object: 'CUSTOMERS', column: 'SSN' }], complete: true },
      { name: 'LEFT(EMAIL, 3)', sources: [{ object: 'CUSTOMERS', column: 'EMAIL' }], complete: true, derived: true },
      { name: 'E', sources: [{ object: 'CUSTOMERS', column: 'EMAIL' }], complete: true, derived: true },
    ]);
  });

  it('follows CTEs and subqueries', () => {
    expect(columns('WITH c AS (SELECT email AS e FROM customers) SELECT LEFT(e,3) AS x FROM c')).toEqual([
      { name: 'X', sources: [{ object: 'CUSTOMERS', column: 'EMAIL' }], complete: true, derived: true },
    ]);
    expect(columns('SELECT * FROM (SELECT email AS x FROM customers) s')[0]).toMatchObject({ name: 'X', sources: [{ object: 'CUSTOMERS', column: 'EMAIL' }] });
  });

  it('resolves qualified columns through table aliases and marks stars', () => {
    expect(columns('SELECT c.email, o.* FROM crm.customers c JOIN orders o ON c.id = o.cid')).toEqual([
      { name: 'EMAIL', sources: [{ object: 'CRM.CUSTOMERS', column: 'EMAIL' }], complete: true },
      { name: '*', sources: [], complete: true, star: { object: 'ORDERS' } },
    ]);
  });

  it('is over-inclusive for ambiguous names and incomplete for scalar subqueries and unknown qualifiers', () => {
    expect(columns('SELECT email FROM a JOIN b ON a.id = b.id')[0]?.sources).toEqual([
      { object: 'A', column: 'EMAIL' },
      { object: 'B', column: 'EMAIL' },
    ]);
    expect(columns('SELECT (SELECT MAX(email) FROM c) AS m FROM t')[0]).toMatchObject({ complete: false, sources: [{ object: 'C', column: 'EMAIL' }] });
    expect(columns('SELECT z.email FROM t')[0]?.complete).toBe(false);
  });

  it('merges set-operation branches by position and follows FLATTEN inputs', () => {
    expect(columns('SELECT a FROM t1 UNION ALL SELECT b FROM t2')[0]?.sources).toEqual([
      { object: 'T1', column: 'A' },
      { object: 'T2', column: 'B' },
    ]);
    expect(columns('SELECT f.value FROM users u, LATERAL FLATTEN(input => u.emails) f')[0]).toMatchObject({
      complete: false,
      sources: [{ object: 'USERS', column: 'EMAILS' }, { object: null, column: 'VALUE' }],
    });
  });
});
