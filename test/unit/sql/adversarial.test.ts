import { describe, expect, it } from 'vitest';
import { classify } from '#shared/sql/classify.js';

describe('classify: adversarial inputs', () => {
  it.each([
    ['keyword in a comment', 'SELECT 1 /* DROP DATABASE x */', 'read'],
    ['keyword in a // comment', 'SELECT 1 // ; DROP DATABASE x', 'read'],
    ['keyword in a string', "SELECT 'x; DROP SCHEMA s' AS s", 'read'],
    ['quoted identifier DELETE', 'SELECT "DELETE" FROM t', 'read'],
    ['quoted SYSTEM$ identifier', 'SELECT "SYSTEM$ABORT_SESSION" FROM t', 'read'],
    ['quoted SYSTEM$ identifier called', 'SELECT "SYSTEM$ABORT_SESSION"(1)', 'privileged'],
    ['comment between DROP and DATABASE', 'DROP/**/DATABASE x', 'blocked'],
    ['dollar-quoted EXECUTE IMMEDIATE', 'EXECUTE IMMEDIATE $$ DROP SCHEMA s $$', 'blocked'],
    ['doubly nested EXECUTE IMMEDIATE', "EXECUTE IMMEDIATE $$ EXECUTE IMMEDIATE 'DROP SCHEMA s' $$", 'blocked'],
    ['anonymous block hiding DROP SCHEMA', 'BEGIN\n  SELECT 1;\n  DROP SCHEMA s;\nEND;', 'blocked'],
    ['procedure body only defined', 'CREATE PROCEDURE p() RETURNS INT LANGUAGE SQL AS $$ BEGIN DROP SCHEMA s; END $$', 'privileged'],
    ['procedure defined and called', 'CREATE PROCEDURE p() RETURNS INT LANGUAGE SQL AS $$ BEGIN DROP SCHEMA s; END $$; CALL p()', 'blocked'],
    ['anonymous procedure', 'WITH p AS PROCEDURE () RETURNS INT LANGUAGE SQL AS $$ BEGIN DROP SCHEMA s; END $$ CALL p()', 'blocked'],
    ['Cyrillic E in SELECT', 'S\u0415LECT 1', 'privileged'],
    ['zero-width space', 'SELECT\u200b1', 'privileged'],
    ['NBSP', 'SELECT\u00a01', 'privileged'],
    ['BOM', '\ufeffSELECT 1', 'privileged'],
    ['full-width semicolon', 'SELECT 1\uff1bSELECT 2', 'privileged'],
    ['full-width semicolon before DROP DATABASE', 'SELECT 1\uff1b DROP DATABASE x', 'privileged'],
    ['NUL byte', 'SELECT 1\u0000', 'privileged'],
    ['lone surrogate', 'SELECT \udc00', 'privileged'],
    ['nested block comment', 'SELECT 1 /* /* */ x */', 'privileged'],
    ['bare CR ending a line comment', 'SELECT 1 -- x\r; DROP DATABASE x', 'blocked'],
    ['flow operator', 'SHOW TABLES ->> DROP DATABASE x', 'blocked'],
    ['prose', 'please drop the database', 'privileged'],
    ['JSON', '{"sql": "SELECT 1"}', 'privileged'],
    ['parenthesised DML', '(DELETE FROM t)', 'privileged'],
  ])('%s', (_name, sql, risk) => {
    expect(classify(sql).risk).toBe(risk);
  });

  it('finds a blocked statement after 10,000+ characters of harmless SQL', () => {
    const harmless = `SELECT ${Array.from({ length: 2000 }, (_, i) => `c${i}`).join(', ')} FROM t`;
    expect(harmless.length).toBeGreaterThan(10_000);
    const c = classify(`${harmless};\n\nDROP SCHEMA analytics`);
    expect(c.risk).toBe('blocked');
    expect(c.reasons[0]).toMatchObject({ code: 'B1', at: { line: 3, column: 1, offset: harmless.length + 3 } });
  });

  it('handles 50,000 nested parentheses without recursion', () => {
    expect(classify(`SELECT ${'('.repeat(50_000)}1${')'.repeat(50_000)}`).risk).toBe('read');
    expect(classify(`SELECT ${'('.repeat(50_000)}1`).risk).toBe('privileged');
    expect(classify(`${'('.repeat(50_000)}SELECT 1${')'.repeat(50_000)}`).risk).toBe('read');
  });

  it('classifies 1 MB of printable garbage and 1 MB of NULs', () => {
    let g = '';
    for (let i = 0; i < 1 << 20; i++) g += String.fromCharCode(32 + ((i * 7919) % 95));
    const c = classify(g);
    expect(['privileged', 'blocked']).toContain(c.risk);
    expect(c.reasons.length).toBeGreaterThan(0);
    expect(classify('\u0000'.repeat(1 << 20)).risk).toBe('privileged');
  });

  it('fails closed when EXECUTE IMMEDIATE nesting is too deep to inspect', () => {
    let sql = 'SELECT 1';
    for (let i = 0; i < 12; i++) sql = `EXECUTE IMMEDIATE '${sql.replace(/'/g, "''")}'`;
    expect(classify(sql).risk).toBe('privileged');
  });
});

describe('classify: flow operator and stray separators', () => {
  it.each([
    ['->>', 'privileged'],
    ['SELECT 1 ->>', 'privileged'],
    ['SHOW TABLES ->> SELECT * FROM $1', 'privileged'],
    [';;', 'invalid'],
  ])('%s is %s', (sql, risk) => {
    expect(classify(sql).risk).toBe(risk);
  });
});
