/**
 * Independent labelled corpus for `classify` (docs/risk-rules.md).
 *
 * The labels in test/fixtures/risk-corpus.jsonl were derived from the specification only,
 * never from the classifier's implementation. A few very long inputs are generated here
 * instead of being stored in the JSONL.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classify } from '#shared/sql/classify.js';
import type { Risk } from '#shared/sql/types.js';

interface CorpusEntry {
  id: string;
  sql: string;
  risk: Risk;
  rule: string;
  note?: string;
}

const RISKS: readonly Risk[] = ['invalid', 'read', 'write', 'privileged', 'blocked'];
/** Order used for "lower than the label"; `invalid` is outside it. */
const RANK: Record<Exclude<Risk, 'invalid'>, number> = { read: 0, write: 1, privileged: 2, blocked: 3 };

function loadCorpus(): CorpusEntry[] {
  const url = new URL('../../fixtures/risk-corpus.jsonl', import.meta.url);
  const lines = readFileSync(url, 'utf8').split('\n');
  const entries: CorpusEntry[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const raw = JSON.parse(line) as Partial<CorpusEntry>;
    if (
      typeof raw.id !== 'string' ||
      typeof raw.sql !== 'string' ||
      typeof raw.rule !== 'string' ||
      typeof raw.risk !== 'string' ||
      !RISKS.includes(raw.risk)
    ) {
      throw new Error(`risk-corpus.jsonl line ${index + 1} is malformed`);
    }
    const entry: CorpusEntry = { id: raw.id, sql: raw.sql, risk: raw.risk, rule: raw.rule };
    if (typeof raw.note === 'string') entry.note = raw.note;
    entries.push(entry);
  });
  return entries;
}

/** Harmless single-statement SQL of at least `minChars` characters (one SELECT with many columns). */
function harmlessSelect(minChars: number): string {
  const cols: string[] = [];
  let length = 0;
  for (let i = 0; length < minChars; i++) {
    const col = `  COALESCE(t.metric_${i}, 0) + ${i} AS metric_${i}_adjusted -- column ${i}\n`;
    cols.push(col);
    length += col.length + 1;
  }
  return `SELECT\n${cols.join(',').replace(/,$/, '')}FROM analytics.marts.wide_table t\nWHERE t.id > 0`;
}

function generatedCases(): CorpusEntry[] {
  const big = harmlessSelect(12_000);
  const bigComment = `/* ${'harmless padding '.repeat(700)} */`;
  const bigString = `'${'x'.repeat(12_000)}'`;
  return [
    { id: 'gen-r1-long-select', sql: big, risk: 'read', rule: 'R1', note: '12k-char single SELECT' },
    { id: 'gen-bn-long-then-drop-db', sql: `${big};\nDROP DATABASE prod`, risk: 'blocked', rule: 'B-N', note: 'blocked statement after 12k chars' },
    { id: 'gen-bn-long-then-drop-schema-comment', sql: `${big};\n/* tidy up */ DROP/**/SCHEMA analytics.marts;`, risk: 'blocked', rule: 'B-N' },
    { id: 'gen-bn-long-comment-then-use-role', sql: `${bigComment}\nSELECT 1;\nUSE ROLE ACCOUNTADMIN`, risk: 'blocked', rule: 'B-N' },
    { id: 'gen-bn-long-then-execute-immediate', sql: `${big};\nEXECUTE IMMEDIATE 'DROP DATABASE prod'`, risk: 'blocked', rule: 'B-N' },
    { id: 'gen-bn-long-string-then-grant-public', sql: `SELECT ${bigString} AS pad;\nGRANT SELECT ON TABLE t TO ROLE PUBLIC`, risk: 'blocked', rule: 'B-N' },
    { id: 'gen-b1-long-comment-then-drop-db', sql: `${bigComment}\nDROP DATABASE prod`, risk: 'blocked', rule: 'B1', note: 'single statement after 12k chars of comment' },
    { id: 'gen-b5-many-statements-then-admin', sql: `${'SELECT 1;\n'.repeat(2_000)}USE ROLE SECURITYADMIN;`, risk: 'blocked', rule: 'B-N' },
    { id: 'gen-ps-long-select-system-call-at-end', sql: `${big}\n  AND SYSTEM$ABORT_SESSION(42) IS NOT NULL`, risk: 'privileged', rule: 'P-S' },
    { id: 'gen-pf-long-select-stage-at-end', sql: `${big}\n  AND t.id IN (SELECT $1 FROM @landing)`, risk: 'privileged', rule: 'P-F' },
    { id: 'gen-r1-long-string-with-blocked-words', sql: `SELECT '${'DROP DATABASE prod; '.repeat(600)}' AS s`, risk: 'read', rule: 'R1', note: 'blocked words only inside string data' },
    { id: 'gen-r1-long-comment-with-blocked-words', sql: `SELECT 1 /* ${'; DROP DATABASE prod; '.repeat(600)} */`, risk: 'read', rule: 'R1' },
    { id: 'gen-m1-long-two-selects', sql: `${big};\nSELECT 2`, risk: 'privileged', rule: 'M1' },
    { id: 'gen-pu-long-then-nbsp', sql: `${big}\u00a0`, risk: 'privileged', rule: 'P-U', note: 'NBSP after 12k chars' },
    { id: 'gen-i1-long-comments-only', sql: `${bigComment}\n-- nothing\n;\n`.repeat(3), risk: 'invalid', rule: 'I1' },
  ];
}

const corpus = loadCorpus();
const allCases = [...corpus, ...generatedCases()];

type Outcome = { entry: CorpusEntry; actual: Risk | 'error'; detail?: string };

function outcomeOf(entry: CorpusEntry): Outcome {
  try {
    return { entry, actual: classify(entry.sql).risk };
  } catch (err) {
    return { entry, actual: 'error', detail: err instanceof Error ? err.message : String(err) };
  }
}

function isLower(actual: Risk | 'error', label: Risk): boolean {
  if (actual === 'error') return true; // a throw is never an acceptable answer
  if (actual === 'invalid' || label === 'invalid') return false; // a mismatch, but outside the order
  return RANK[actual] < RANK[label];
}

function describeOutcome(o: Outcome): string {
  const sql = o.entry.sql.length > 160 ? `${o.entry.sql.slice(0, 160)}… (${o.entry.sql.length} chars)` : o.entry.sql;
  const note = o.entry.note ? ` — ${o.entry.note}` : '';
  const detail = o.detail ? ` [${o.detail}]` : '';
  return `${o.entry.id} (${o.entry.rule}): expected ${o.entry.risk}, got ${o.actual}${detail}${note}\n    ${JSON.stringify(sql)}`;
}

describe('risk corpus (docs/risk-rules.md)', () => {
  it('corpus file is well formed', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(400);
    const ids = new Set(corpus.map((e) => e.id));
    expect(ids.size).toBe(corpus.length);
  });

  it.each(allCases.map((e) => [e.id, e] as const))('%s', (_id, entry) => {
    expect(classify(entry.sql).risk, `${entry.rule}${entry.note ? `: ${entry.note}` : ''}`).toBe(entry.risk);
  });

  it('summary: nothing classified lower than its label, exact-match rate >= 0.97', () => {
    const outcomes = allCases.map(outcomeOf);
    const mismatches = outcomes.filter((o) => o.actual !== o.entry.risk);
    const lower = mismatches.filter((o) => isLower(o.actual, o.entry.risk));
    const rate = (outcomes.length - mismatches.length) / outcomes.length;
    const report = [
      `exact match ${outcomes.length - mismatches.length}/${outcomes.length} (${(rate * 100).toFixed(2)}%)`,
      `lower than label (or threw): ${lower.length}`,
      ...lower.map((o) => `  LOWER ${describeOutcome(o)}`),
      ...mismatches.filter((o) => !lower.includes(o)).map((o) => `  other ${describeOutcome(o)}`),
    ].join('\n');
    expect(lower.length, report).toBe(0);
    expect(rate, report).toBeGreaterThanOrEqual(0.97);
  });
});
