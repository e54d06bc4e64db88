import { readFileSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdbLexicalAmbiguities } from '#shared/adapters/duckdb/duckdb-lexical-guard.js';
import { classify } from '#shared/sql/classify.js';
import { lex } from '#shared/sql/lexer.js';

/*
 * Differential test: every text of the corpus goes through the classifier's lexer and splitter
 * and through DuckDB's own parser (`json_serialize_sql`, `extractStatements`). Either the DuckDB
 * guard refuses it, or DuckDB / the classifier refuses it, or both read the same statements:
 * the same count, every table DuckDB reads is an object the classifier found, and every
 * column DuckDB references is a name the classifier lexed as an identifier (not hidden in a
 * comment or a string). The corpus: DuckDB's own parser tests (test/sql/parser/*.test), the
 * texts of the masking threat model and attacks on the boundary; each line names its source.
 */

interface Entry {
  source: string;
  sql: string;
}
const corpus: Entry[] = readFileSync(new URL('../../fixtures/lexical/corpus.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Entry);

interface DuckReading {
  count: number;
  tables: string[];
  columns: string[];
}

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

/** DuckDB's reading of the text, or null when DuckDB would not run it (parse error). */
async function duckReading(sql: string): Promise<DuckReading | null> {
  let count: number;
  try {
    count = (await connection.extractStatements(sql)).count;
  } catch {
    return null;
  }
  const tables: string[] = [];
  const columns: string[] = [];
  const ctes = new Set<string>();
  const reader = await connection.runAndReadAll(`SELECT json_serialize_sql('${sql.replaceAll("'", "''")}') AS j`);
  const tree = JSON.parse(String(reader.getRows()[0]?.[0])) as { error: boolean; error_message?: string };
  if (tree.error) {
    // Only SELECT statements serialise; a parse error here is a text DuckDB would not run.
    if (!/only SELECT statements/i.test(tree.error_message ?? '')) return null;
  } else {
    walk(tree, (node) => {
      if (node['type'] === 'BASE_TABLE' && typeof node['table_name'] === 'string' && node['schema_name'] === '') tables.push(node['table_name']);
      else if (node['type'] === 'BASE_TABLE' && typeof node['table_name'] === 'string') tables.push(`${String(node['schema_name'])}.${node['table_name']}`);
      const map = (node['cte_map'] as { map?: Array<{ key?: unknown }> } | undefined)?.map;
      if (Array.isArray(map)) for (const e of map) if (typeof e.key === 'string') ctes.add(e.key.toUpperCase());
      if (node['class'] === 'COLUMN_REF' && Array.isArray(node['column_names'])) columns.push(...(node['column_names'] as string[]));
      if (node['class'] === 'POSITIONAL_REFERENCE') columns.push(`#${String(node['index'])}`);
    });
  }
  // A CTE's name is not a table; the tables it reads are found inside it.
  return { count, tables: tables.filter((t) => !ctes.has(t.toUpperCase())), columns };
}

function walk(value: unknown, visit: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) value.forEach((v) => walk(v, visit));
  else if (value !== null && typeof value === 'object') {
    visit(value as Record<string, unknown>);
    Object.values(value).forEach((v) => walk(v, visit));
  }
}

/** The names the classifier lexed as identifiers, upper-cased. */
function classifierIdentifiers(sql: string): Set<string> {
  const out = new Set<string>();
  for (const t of lex(sql).tokens) {
    if (t.kind === 'word') out.add(t.text.toUpperCase());
    if (t.kind === 'quoted') out.add(t.text.slice(1, -1).replaceAll('""', '"').toUpperCase());
  }
  return out;
}

type Verdict = 'guard' | 'duckdb-refuses' | 'classifier-refuses' | 'agree' | `disagree: ${string}`;

async function verdict(sql: string, guard: (sql: string) => unknown[] = duckdbLexicalAmbiguities): Promise<Verdict> {
  if (guard(sql).length > 0) return 'guard';
  const classification = classify(sql);
  if (classification.risk === 'invalid') return 'classifier-refuses';
  // A statement the classifier cannot parse is privileged and waits for a human who reads the text (fail closed).
  if (classification.reasons.some((r) => r.code === 'P-U' && /does not parse/.test(r.message))) return 'classifier-refuses';
  const duck = await duckReading(sql);
  if (duck === null) return 'duckdb-refuses';
  if (duck.count !== classification.statements.length) return `disagree: DuckDB reads ${duck.count} statements, the classifier ${classification.statements.length}`;
  const objects = new Set(classification.statements.flatMap((s) => s.objects.map((o) => (o.parts[o.parts.length - 1] ?? o.name).toUpperCase())));
  const hiddenTable = duck.tables.find((t) => !objects.has((t.split('.').pop() ?? t).toUpperCase()));
  if (hiddenTable !== undefined) return `disagree: DuckDB reads table ${hiddenTable}, the classifier does not`;
  const names = classifierIdentifiers(sql);
  const hiddenColumn = duck.columns.find((c) => !names.has(c.toUpperCase()));
  if (hiddenColumn !== undefined) return `disagree: DuckDB references ${hiddenColumn}, which the classifier did not lex as a name`;
  return 'agree';
}

describe('the DuckDB lexical guard against DuckDB’s own parser', () => {
  it(`agrees with DuckDB or refuses, on every one of the ${corpus.length} corpus texts`, async () => {
    const verdicts: Array<{ entry: Entry; verdict: Verdict }> = [];
    for (const entry of corpus) verdicts.push({ entry, verdict: await verdict(entry.sql) });
    const tally: Record<string, number> = {};
    for (const v of verdicts) tally[v.verdict.startsWith('disagree') ? 'disagree' : v.verdict] = (tally[v.verdict.startsWith('disagree') ? 'disagree' : v.verdict] ?? 0) + 1;
    console.log(`lexical differential: ${JSON.stringify(tally)}`);
    const disagreements = verdicts.filter((v) => v.verdict.startsWith('disagree')).map((v) => `${JSON.stringify(v.entry.sql)} (${v.entry.source}): ${v.verdict}`);
    expect(disagreements).toEqual([]);
    // Not vacuous: DuckDB runs a good share of the corpus, and the guard has work to do.
    expect(tally['agree'] ?? 0).toBeGreaterThan(20);
    expect(tally['guard'] ?? 0).toBeGreaterThan(20);
  });

  it('without the guard, the corpus holds texts where DuckDB reads columns or statements the classifier does not see', async () => {
    const found: string[] = [];
    for (const entry of corpus) {
      const v = await verdict(entry.sql, () => []);
      if (v.startsWith('disagree')) found.push(entry.sql);
      if (v.startsWith('disagree')) console.log(`without the guard: ${JSON.stringify(entry.sql)} ${v}`);
    }
    expect(found).toContain('SELECT 1 // 1 AS z, name AS n, salary AS sal FROM hr.employees');
    expect(found).toContain("SELECT id, 'a\\' , email, '' AS x FROM customers");
    expect(found.length).toBeGreaterThanOrEqual(5);
  });

  it.each([
    ['SELECT 1 // 1 AS z, name AS n, salary AS sal FROM hr.employees', "'//'"],
    ["SELECT id FROM customers WHERE name = 'x\\' OR ssn LIKE '1%' --'", 'backslash'],
    ['SELECT id /* /* */ , email */ FROM customers', 'nest'],
    ['SELECT $t$ x $t$ AS a, ssn FROM customers', '$t$'],
    ["SELECT E'x' AS a", 'escape string'],
    ["SELECT id FROM customers WHERE email = 'a'\n'b'", 'line break'],
    ["SELECT x'41' AS v FROM customers", 'hex'],
    ['SELECT\u00a0email FROM customers', 'space'],
    ["SELECT U&'\\0041' AS a", 'unicode'],
    ['SELECT 1_000 AS n', 'one number'],
    ['SELECT #2 FROM customers', 'positional'],
    ['SELECT @id FROM customers', 'absolute value'],
    ["SELECT email->>'$.x' FROM customers", 'JSON operator'],
    ['SELECT `email` FROM customers', 'backticks'],
  ])('refuses %j, naming the construct', (sql, words) => {
    const found = duckdbLexicalAmbiguities(sql);
    expect(found.length).toBeGreaterThan(0);
    expect(found.map((f) => f.message).join(' / ')).toContain(words);
  });

  it.each([
    'SELECT id, name FROM customers WHERE email LIKE \'%@example.org\' -- a comment',
    "SELECT 'it''s' AS q, $$a'b$$ AS d, \"na\"\"me\" FROM customers /* block */",
    "SELECT id FROM customers -- x\rWHERE ssn LIKE '1%'",
    'SELECT 1.5e3 AS n, -2 AS m, 10 / 3 AS q FROM customers',
    "SELECT count(*) FILTER (WHERE regexp_matches(body, '555-01\\d\\d')) AS n FROM support_tickets",
    "SELECT '\\xAA\\xBB'::BLOB AS b, 'a\\\\' AS c",
  ])('accepts ordinary SQL %j', (sql) => {
    expect(duckdbLexicalAmbiguities(sql)).toEqual([]);
  });
});
