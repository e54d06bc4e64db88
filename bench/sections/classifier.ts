/**
 * Classifier throughput beside node-sql-parser 5.4.0 (snowflake dialect) on the same realistic
 * statements, plus µs/KB at 1 KB, 100 KB and 1 MB to show the classifier stays linear.
 */
import { readFileSync } from 'node:fs';
import { classify } from '../../shared/sql/classify.js';
import { lex } from '../../shared/sql/lexer.js';
import type { BenchRow, BenchSectionRunner } from '../types.js';

const SHORT_READS = [
  'SELECT * FROM analytics.marts.orders LIMIT 100',
  "SELECT id, email FROM crm.customers WHERE created_at >= '2024-01-01'",
  'SELECT COUNT(*) FROM events',
  'SHOW TABLES IN SCHEMA analytics.marts',
];

const JOIN = `SELECT c.customer_id, c.email, SUM(o.amount) AS total
FROM crm.customers c
JOIN sales.orders o ON o.customer_id = c.customer_id
WHERE o.status = 'complete' AND o.order_date >= DATEADD(day, -30, CURRENT_DATE())
GROUP BY 1, 2 ORDER BY total DESC LIMIT 50`;

function ddl200(): string {
  const cols = Array.from({ length: 198 }, (_, i) => `  col_${i} VARCHAR(256) NOT NULL DEFAULT 'x' COMMENT 'column ${i}'`);
  return `CREATE OR REPLACE TABLE analytics.marts.wide (\n${cols.join(',\n')}\n)`;
}

/** One SELECT of about `bytes` characters: many aliased expressions over a join. */
function bigSelect(bytes: number): string {
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const p = `COALESCE(t.metric_${i}, 0) + u.m_${i} AS metric_${i}`;
    parts.push(p);
    n += p.length + 2;
  }
  return `SELECT ${parts.join(', ')} FROM analytics.marts.t t JOIN analytics.marts.u u ON t.id = u.id WHERE t.id > 0`;
}

/** Runs `fn` over `items` repeatedly for about `budgetMs`; returns operations per second. */
function throughput(items: string[], fn: (s: string) => unknown, budgetMs: number): number {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (const s of items) fn(s);
    ops += items.length;
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs);
  return (ops * 1000) / elapsed;
}

function microsPerKb(sql: string, budgetMs: number): number {
  const ops = throughput([sql], classify, budgetMs);
  return 1e6 / ops / (sql.length / 1024);
}

/** The read-only documented forms of test/fixtures/snowflake-conformance.jsonl. */
function documentedReads(): string[] {
  const text = readFileSync(new URL('../../test/fixtures/snowflake-conformance.jsonl', import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { sql: string; expected: string })
    .filter((l) => l.expected === 'read')
    .map((l) => l.sql);
}

const fmt = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));

export const run: BenchSectionRunner = async () => {
  const mixed = [...SHORT_READS, JOIN, JOIN, ddl200(), bigSelect(100 * 1024)];
  type SqlParser = new () => { astify(sql: string, opt: object): unknown };
  // CommonJS package: under some loaders `Parser` is only reachable through `default`.
  const mod = (await import('node-sql-parser')) as unknown as { Parser?: SqlParser; default?: { Parser: SqlParser } };
  const Parser = mod.Parser ?? mod.default?.Parser;
  if (Parser === undefined) throw new Error('node-sql-parser exports no Parser');
  const parser = new Parser();
  const parse = (s: string): unknown => parser.astify(s, { database: 'snowflake' });
  const parsable = mixed.filter((s) => {
    try {
      parse(s);
      return true;
    } catch {
      return false;
    }
  });
  const ours = throughput(mixed, classify, 1500);
  // The floor: tokenizing the same text, which any classifier must do at least once.
  const lexOnly = throughput(mixed, lex, 1500);
  const oursSame = throughput(parsable, classify, 1000);
  const theirs = parsable.length > 0 ? throughput(parsable, parse, 1500) : 0;
  const rows: BenchRow[] = [
    { metric: 'classify, mixed statements', value: `${fmt(ours)} stmt/s`, baseline: `${fmt(lexOnly)} stmt/s (lexer alone)`, ratio: `${(lexOnly / ours).toFixed(1)}x the lexer's time`, note: `${mixed.length} statements: short reads, 5-line joins, 200-line DDL, 100 KB SELECT` },
    {
      metric: 'classify vs node-sql-parser, same statements',
      value: `${fmt(oursSame)} stmt/s`,
      baseline: theirs > 0 ? `${fmt(theirs)} stmt/s` : 'n/a',
      ratio: theirs > 0 ? `${(oursSame / theirs).toFixed(1)}x faster` : 'n/a',
      note: `node-sql-parser 5.4.0 astify (snowflake) parsed ${parsable.length}/${mixed.length}; target ≥5x`,
    },
  ];
  const docs = documentedReads();
  const docsParsable = docs.filter((s) => {
    try {
      parse(s);
      return true;
    } catch {
      return false;
    }
  });
  const oursDocs = throughput(docsParsable, classify, 1000);
  const theirsDocs = docsParsable.length > 0 ? throughput(docsParsable, parse, 1000) : 0;
  const docsRead = docs.filter((s) => classify(s).risk === 'read').length;
  rows.push({
    metric: 'classify vs node-sql-parser, documented read forms',
    value: `${fmt(oursDocs)} stmt/s`,
    baseline: theirsDocs > 0 ? `${fmt(theirsDocs)} stmt/s` : 'n/a',
    ratio: theirsDocs > 0 ? `${(oursDocs / theirsDocs).toFixed(1)}x faster` : 'n/a',
    note: `snowflake-conformance.jsonl: node-sql-parser parsed ${docsParsable.length}/${docs.length}; classify read ${docsRead}/${docs.length}`,
  });
  let perKbAt1 = 0;
  for (const kb of [1, 100, 1024]) {
    const sql = bigSelect(kb * 1024);
    const perKb = microsPerKb(sql, kb >= 1024 ? 2000 : 700);
    // Baseline: the 1 KB cost per KB, so the ratio reads directly as "linear" (≈1.0x) or not.
    if (kb === 1) perKbAt1 = perKb;
    rows.push({ metric: `classify µs/KB at ${kb >= 1024 ? '1 MB' : `${kb} KB`}`, value: `${fmt(perKb)} µs/KB`, baseline: `${fmt(perKbAt1)} µs/KB (at 1 KB)`, ratio: `${(perKb / perKbAt1).toFixed(2)}x`, note: 'flat across sizes (≈1x) = linear' });
  }
  return { title: 'SQL risk classifier', rows };
};
