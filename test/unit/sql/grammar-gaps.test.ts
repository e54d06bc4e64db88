/**
 * The lexing fixes (PUT/GET paths, stage strings, nextval), the calls that the wider grammar must not let
 * through as `read`, and `classify --explain`.
 */
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '#cli/commands/classify.js';
import { classify } from '#shared/sql/classify.js';
import { formatGap, grammarGaps } from '#shared/sql/grammar-gaps.js';
import { lex } from '#shared/sql/lexer.js';
import { runCli } from '#test/helpers/run-cli.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

async function cli(argv: string[], input: string): Promise<{ code: number; stdout: string }> {
  const { code, out } = await runCli(argv, { command: run, stdin: Readable.from([Buffer.from(input, 'utf8')]), cwd: repoRoot });
  return { code, stdout: out };
}

describe('PUT / GET local paths lex as one token', () => {
  it('file:/// is a path token, not a // comment', () => {
    const toks = lex('PUT file:///tmp/a.csv @s').tokens;
    expect(toks.map((t) => t.kind)).toEqual(['word', 'path', 'stage']);
    expect(toks[1]?.text).toBe('file:///tmp/a.csv');
  });

  it.each([
    ['PUT file:///tmp/a.csv @s;\nDROP SCHEMA x', 'blocked'],
    ['PUT file:///tmp/a.csv @s; DROP SCHEMA x', 'blocked'],
    ['put FILE:///tmp/a.csv @s;DROP DATABASE d', 'blocked'],
    ['GET @s/a.csv file:///tmp/;\nDROP SCHEMA x', 'blocked'],
    ['GET @s file:///tmp/out/ PARALLEL = 4;\nGRANT OWNERSHIP ON TABLE t TO ROLE r', 'blocked'],
    ['PUT file:///tmp/data/*.csv @s/x//y', 'privileged'],
    ['BEGIN\nPUT file:///a @s; DROP SCHEMA x;\nEND;', 'blocked'],
    ['SELECT 1 ->> PUT file:///x @s; DROP SCHEMA y', 'blocked'],
  ])('%j is %s', (sql, risk) => {
    expect(classify(sql).risk).toBe(risk);
  });

  it('a file:// token elsewhere never reads as read', () => {
    expect(classify('SELECT file:///x FROM t').risk).toBe('privileged');
    expect(classify('SELECT a FROM t // file://x').risk).toBe('read');
  });
});

describe('stage references and sequences the grammar now reaches', () => {
  it.each([
    "SELECT my_udf('@stage/x')",
    "SELECT f(a, '@~/file.csv')",
    "SELECT f(path => '@%orders/x')",
    "SELECT f('@db.s.\"St\"/x')",
    'SELECT f($$@st/x$$)',
    "SELECT TO_FILE('@stage/x')",
    'SELECT TRY_TO_FILE(meta) FROM t',
    "SELECT * FROM '@mystage'",
    "SELECT * FROM t, '@s/x.csv' (FILE_FORMAT => 'f')",
    'SELECT * FROM $$@s$$',
    "SELECT * FROM '@1s'",
    "SELECT * FROM @s/f.csv( FILE_FORMAT => 'fmt' )",
    'SELECT * FROM @ns.%orders/x.json',
    "SELECT nextval('s')",
    'SELECT NEXTVAL(s)',
    'SELECT GETNEXTVAL(s)',
    'SELECT "S".NEXTVAL',
    'SELECT x FROM t WHERE id = s.nextval',
    'SELECT * FROM t PIVOT(SUM(s.nextval) FOR q IN (1))',
  ])('%s is privileged', (sql) => {
    expect(classify(sql).risk).toBe('privileged');
  });

  it('lists a stage named in a string literal among the objects', () => {
    const st = classify("SELECT TO_FILE('@My_Stage/x.png'), * FROM '@db.s.\"St\"/a'").statements[0];
    expect(st?.objects.filter((o) => o.kind === 'stage').map((o) => o.name)).toEqual(['@MY_STAGE', '@DB.S.St']);
  });

  it.each(["SELECT * FROM t WHERE handle = '@john'", "SELECT REPLACE(h, '@', '') FROM t", 'SELECT nextval FROM t', 'SELECT t.nextval_at FROM t'])(
    '%s stays read',
    (sql) => {
      expect(classify(sql).risk).toBe('read');
    },
  );
});

describe('wider grammar does not open a way around P-S, P-X or E7', () => {
  it.each([
    ["SELECT IDENTIFIER('SYSTEM$ABORT_SESSION')(1)", 'privileged'],
    ["SELECT IDENTIFIER('snowflake.\"SYSTEM$CANCEL_QUERY\"')('x')", 'privileged'],
    ['SELECT IDENTIFIER($f)(1)', 'privileged'],
    ["INSERT INTO t SELECT IDENTIFIER('SYSTEM$ABORT_SESSION')(1)", 'privileged'],
    ['SELECT my_budget!SET_SPENDING_LIMIT(10)', 'privileged'],
    ['SELECT b!ADD_RESOURCE(x)', 'privileged'],
    ['CALL m!PREDICT(1)', 'privileged'],
    ['SELECT m!PREDICT(SYSTEM$ABORT_SESSION(1))', 'privileged'],
    ['SELECT * FROM SEMANTIC_VIEW(v DIMENSIONS a.b WHERE a.c = SYSTEM$CANCEL_QUERY(1))', 'privileged'],
    ['SELECT * FROM SEMANTIC_VIEW(v DIMENSIONS a.b WHERE a.c IN (SELECT c FROM @st))', 'privileged'],
    ["SELECT FILTER(a, x -> x = '@s') FROM t", 'read'],
    ['SELECT REDUCE([1], 0, (acc, v) -> acc + s.nextval)', 'privileged'],
    ['SELECT REDUCE([1], 0, (acc INT, v INT) -> SYSTEM$ABORT_SESSION(1))', 'privileged'],
    ['SELECT * RENAME a AS b INTO t2 FROM t', 'privileged'],
    ['SELECT NTH_VALUE(x, 2) FROM FIRST IGNORE NULLS OVER (ORDER BY y) FROM t FOR UPDATE', 'privileged'],
    ['WITH m AS MODEL x VERSION v DELETE FROM t', 'privileged'],
    ['WITH m AS MODEL x VERSION v SELECT m!predict(*) FROM t; DROP SCHEMA s', 'blocked'],
  ])('%s is %s', (sql, risk) => {
    expect(classify(sql).risk).toBe(risk);
  });

  it('a semantic view is listed as the object read, and its columns carry every argument name, incomplete', () => {
    const st = classify('SELECT contact FROM SEMANTIC_VIEW(hr.core.people DIMENSIONS person.email AS contact METRICS person.n)').statements[0];
    expect(st?.objects.map((o) => o.name)).toEqual(['HR.CORE.PEOPLE']);
    expect(st?.columns[0]?.complete).toBe(false);
    expect(st?.columns[0]?.sources).toContainEqual({ object: 'HR.CORE.PEOPLE', column: 'EMAIL' });
    const star = classify('SELECT * FROM SEMANTIC_VIEW(hr.core.people DIMENSIONS person.email AS contact)').statements[0];
    expect(star?.columns.every((c) => !c.complete)).toBe(true);
    expect(star?.columns.some((c) => c.sources.some((x) => x.column === 'EMAIL'))).toBe(true);
  });

  it('instance methods that only compute stay read', () => {
    expect(classify('SELECT m!PREDICT_PROBA(a, b) FROM t').risk).toBe('read');
    expect(classify('SELECT * FROM TABLE(m!DETECT_ANOMALIES(INPUT_DATA => TABLE(v), TIMESTAMP_COLNAME => \'ts\', TARGET_COLNAME => \'y\'))').risk).toBe('read');
  });

  it('accepts the sqlglot / sqlfluff read forms it used to refuse', () => {
    for (const sql of [
      "SELECT BITSHIFTLEFT(X'002A'::BINARY, 1)",
      'SELECT {fn LOG(5)}',
      'WITH t (SELECT 1 AS c) SELECT c FROM t',
      'SELECT * FROM xxx, yyy, zzz, WHERE foo = bar',
      'SELECT a, b, count(*) FROM t GROUP BY a, GROUPING SETS (b, ())',
      'with pivot as (select 1) select * from pivot',
    ]) {
      expect(classify(sql).risk, sql).toBe('read');
    }
  });

  it('still fails closed on near-misses of the new forms', () => {
    for (const sql of [
      'SELECT * RENAME a b FROM t',
      'SELECT * EXCLUDE FROM t',
      'SELECT CAST(x AS OBJECT(a INT) REMAP FIELDS)',
      'SELECT IDENTIFIER(\'f\')(1',
      'SELECT m!(1)',
      'SELECT * FROM t DIRECTED t2',
      'SELECT * FROM SEMANTIC_VIEW(v DIMENSIONS)',
      'SELECT x::TIMESTAMP WITH ZONE',
      'WITH m AS MODEL x SELECT 1',
      'SELECT a, FROM',
      "SELECT X 'AB'",
      'SELECT {fn LOG}',
      'SELECT * FROM a, , b',
      'SELECT * FROM pivot',
    ]) {
      expect(classify(sql).risk, sql).toBe('privileged');
      expect(classify(sql).reasons.some((r) => r.code === 'P-U'), sql).toBe(true);
    }
  });
});

describe('grammarGaps / classify --explain', () => {
  it('names the exact token, position and what was expected', () => {
    const [g] = grammarGaps('SELECT a,\n  b FROM t WHERE x = = 1');
    expect(g).toMatchObject({ statement: 1, line: 2, column: 22, offset: 31, token: '=', atEnd: false, expected: 'an expression' });
    expect(formatGap(g!)).toBe('P-U gap: stopped at = (line 2, column 22, offset 31); expected an expression; context: … b FROM t WHERE x = ⟦=⟧ 1');
  });

  it('reports an incomplete statement at its end', () => {
    const [g] = grammarGaps('SELECT 1; SELECT a FROM');
    expect(g).toMatchObject({ statement: 2, atEnd: true, offset: 23 });
    expect(g?.expected).toContain('table');
  });

  it('never shows a string literal value', () => {
    const gaps = grammarGaps("SELECT 'p@ssw0rd-secret' 'another-secret' FROM t");
    expect(gaps.length).toBeGreaterThan(0);
    expect(JSON.stringify(gaps)).not.toContain('secret');
    expect(JSON.stringify(classify("SELECT 'p@ssw0rd-secret' 'another-secret' FROM t").reasons)).not.toContain('secret');
  });

  it('has nothing to report for statements that parse, whatever their class', () => {
    for (const sql of ['SELECT 1', 'DROP SCHEMA s', 'SELECT SYSTEM$ABORT_SESSION(1)', 'SELECT * FROM @st']) expect(grammarGaps(sql)).toEqual([]);
  });

  it('airlock classify --explain prints one line per gap', async () => {
    const r = await cli(['--explain'], 'SELECT * RENAME a TO b FROM t');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('risk: privileged');
    expect(lines[1]).toMatch(/^P-U gap: stopped at TO \(line 1, column 19, offset 18\); expected AS; context: SELECT \* RENAME a ⟦TO⟧ b FROM t$/);
    expect(lines).toHaveLength(2);
  });

  it('airlock classify --explain on a statement that parses says so', async () => {
    const r = await cli(['--explain'], 'SELECT * FROM SEMANTIC_VIEW(v METRICS o.m)');
    expect(r.stdout).toBe('risk: read\nno grammar gap: every statement parsed; the class comes from R1\n');
  });

  it('airlock classify --jsonl --explain adds gaps to each line', async () => {
    const r = await cli(['--jsonl', '--explain'], '{"id":"a","sql":"SELECT 1 FROM"}\n{"id":"b","sql":"SELECT 1"}\n');
    const [a, b] = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { gaps: Array<{ atEnd: boolean }> });
    expect(a?.gaps).toHaveLength(1);
    expect(a?.gaps[0]?.atEnd).toBe(true);
    expect(b?.gaps).toEqual([]);
  });
});
