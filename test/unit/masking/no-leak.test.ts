import { describe, expect, it } from 'vitest';
import { maskResult } from '#shared/masking/mask-result.js';
import { col, config, input } from './masking-fixtures.js';

// Each sensitive value, and a fragment of it that must never survive masking.
const VALUES: [string, string][] = [
  ['ann.lee@example.com', 'ann.lee'],
  ['(555) 234-5678', '234-5'],
  ['+44 20 7946 0958', '7946'],
  ['123-45-6789', '45-67'],
  ['4242 4242 4242 4242', '4242 4242'],
  ['4111111111111111', '41111111'],
  ['DE89 3704 0044 0532 0130 00', '3704 0044'],
  ['AKIAIOSFODNN7EXAMPLE', 'IOSFODNN'],
  ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.abcdefgh', 'eyJzdWIi'],
  ['Bearer abcdefghijklmnop', 'abcdefghijkl'],
];
const SEPARATORS = [' ', ', ', '; ', '\n', ' (', ') ', ': ', ' - ', '"', "'", '<', '>', ' / ', '\t'];
const FILLER = ['order', 'ORD-12345', '2024-01-15', 'call', 'qty 3', 'id 998877', 'x', 'ref', '12:30', 'ok.'];

/** Deterministic LCG, so a failure names a reproducible case. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

describe('no sensitive value survives in mixed free text', () => {
  it('across 3,000 seeded mixes of values, filler and separators, plain and as JSON text', () => {
    const rand = lcg(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const rows: unknown[][] = [];
    const fragments: string[][] = [];
    for (let i = 0; i < 3000; i++) {
      let text = '';
      const used: string[] = [];
      for (let j = 0, n = 1 + Math.floor(rand() * 6); j < n; j++) {
        if (rand() < 0.5) {
          const [value, fragment] = pick(VALUES);
          text += value;
          used.push(fragment);
        } else {
          text += pick(FILLER);
        }
        text += pick(SEPARATORS);
      }
      rows.push([rand() < 0.2 ? JSON.stringify({ note: text }) : text]);
      fragments.push(used);
    }
    const cfg = config([], { email: 'pseudonym', phone: 'partial', payment_card: 'partial', iban: 'partial' });
    const out = maskResult(input({ columns: [col('NOTES')], rows }), cfg);
    const leaks = out.rows.flatMap((row, i) => (fragments[i] ?? []).filter((f) => String(row[0]).includes(f)).map((f) => `row ${i}: ${f}`));
    expect(leaks).toEqual([]);
  });
});
