/**
 * Conformance with Snowflake's documented read grammar.
 *
 * test/fixtures/snowflake-conformance.jsonl holds one documented form per line, taken from the Snowflake SQL
 * reference (`page` names the page), labelled from docs/risk-rules.md alone. Every line must get exactly its class:
 * read-only forms are `read`, anything that writes, calls, touches a stage or changes state keeps its class.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classify } from '#shared/sql/classify.js';
import type { Risk } from '#shared/sql/types.js';

interface ConformanceLine {
  sql: string;
  expected: Risk;
  page: string;
}

const RISKS: readonly Risk[] = ['invalid', 'read', 'write', 'privileged', 'blocked'];

function load(): ConformanceLine[] {
  const text = readFileSync(new URL('../../fixtures/snowflake-conformance.jsonl', import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line, index) => {
      const raw = JSON.parse(line) as Partial<ConformanceLine>;
      if (typeof raw.sql !== 'string' || typeof raw.page !== 'string' || typeof raw.expected !== 'string' || !RISKS.includes(raw.expected)) {
        throw new Error(`snowflake-conformance.jsonl line ${index + 1} is malformed`);
      }
      return { sql: raw.sql, expected: raw.expected, page: raw.page };
    });
}

const lines = load();

describe('Snowflake documented grammar conformance', () => {
  it('has at least 200 documented forms, each naming its page', () => {
    expect(lines.length).toBeGreaterThanOrEqual(200);
    for (const l of lines) expect(l.page).toMatch(/^https:\/\/docs\.snowflake\.com\//);
  });

  it.each(lines.map((l, i) => [i + 1, l.expected, l.sql.replace(/\s+/g, ' ').slice(0, 90), l] as const))('line %i: %s ← %s', (_n, _e, _s, l) => {
    const c = classify(l.sql);
    const why = c.reasons.map((r) => r.message).join('; ');
    expect(`${c.risk} (${why})`.startsWith(`${l.expected} (`) ? l.expected : `${c.risk}: ${why}`).toBe(l.expected);
  });

  it('every read line is read because the grammar accepted it (no P-U reason)', () => {
    for (const l of lines.filter((x) => x.expected === 'read')) {
      expect(classify(l.sql).reasons.filter((r) => r.code === 'P-U').map((r) => r.message), l.sql).toEqual([]);
    }
  });
});
