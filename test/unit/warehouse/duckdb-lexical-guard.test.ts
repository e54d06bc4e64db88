import { describe, expect, it } from 'vitest';
import { duckdbLexicalAmbiguities, MAX_LISTED } from '#shared/adapters/duckdb/duckdb-lexical-guard.js';
import { lexicalAmbiguityReasons } from '#shared/use-cases/lexical-compatibility.js';

describe('the DuckDB lexical guard on a hostile text', () => {
  it('names each place by line and column, on any line', () => {
    const found = duckdbLexicalAmbiguities('SELECT 1\n  , 2 // 3\n\nFROM t WHERE x = #1');
    expect(found.map((a) => [a.line, a.column, a.offset])).toEqual([
      [2, 7, 15],
      [4, 18, 38],
    ]);
    // At the first column of a line, and on the last line.
    expect(duckdbLexicalAmbiguities('SELECT\n#1').map((a) => [a.line, a.column, a.offset])).toEqual([[2, 1, 7]]);
  });

  it(`lists the first ${MAX_LISTED} places and counts the rest in one more, at the first not listed`, () => {
    const sql = `SELECT 1\n${'#1 '.repeat(5_000)}`;
    const found = duckdbLexicalAmbiguities(sql);
    expect(found).toHaveLength(MAX_LISTED + 1);
    expect(found.slice(0, MAX_LISTED).every((a) => a.message === "'#' is a positional column reference in DuckDB only")).toBe(true);
    expect(found.at(-1)).toEqual({ message: `and ${5_000 - MAX_LISTED} more places DuckDB would read differently (not listed)`, offset: 9 + 3 * MAX_LISTED, line: 2, column: 3 * MAX_LISTED + 1 });
    // So the write-ahead record of such a text holds as many X-LEX reasons, not thousands.
    expect(lexicalAmbiguityReasons('duckdb', sql)).toHaveLength(MAX_LISTED + 1);
  });
});
