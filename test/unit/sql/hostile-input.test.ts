/**
 * Hostile and degenerate inputs: `classify` must always return a class, never throw,
 * and give at least one reason with a position for every non-read class.
 */
import { describe, expect, it } from 'vitest';
import { classify, MAX_LEX_REASONS } from '#shared/sql/classify.js';
import type { Classification, Risk } from '#shared/sql/types.js';

/** Small deterministic PRNG (mulberry32) so failures are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MB = 1024 * 1024;

function randomPrintable(length: number, seed: number): string {
  const rnd = prng(seed);
  const chars = new Array<string>(length);
  chars[0] = 'x'; // start with a non-comment character so the text is certainly non-empty SQL-ish garbage
  for (let i = 1; i < length; i++) chars[i] = String.fromCharCode(0x20 + Math.floor(rnd() * 95));
  return chars.join('');
}

function randomBytesAsString(length: number, seed: number): string {
  const rnd = prng(seed);
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(rnd() * 256);
  bytes[0] = 0x00; // guarantees a character the lexer must reject
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

function run(sql: string): Classification {
  let result: Classification | undefined;
  expect(() => {
    result = classify(sql);
  }).not.toThrow();
  if (result === undefined) throw new Error('classify returned undefined');
  return result;
}

function expectWellFormed(sql: string, result: Classification, allowed: readonly Risk[]): void {
  expect(allowed).toContain(result.risk);
  expect(Array.isArray(result.statements)).toBe(true);
  expect(Array.isArray(result.reasons)).toBe(true);
  if (result.risk !== 'read') {
    expect(result.reasons.length, `a ${result.risk} result needs at least one reason`).toBeGreaterThanOrEqual(1);
    const positioned = result.reasons.filter(
      (r) =>
        typeof r.code === 'string' &&
        r.code.length > 0 &&
        typeof r.message === 'string' &&
        Number.isInteger(r.at.line) &&
        r.at.line >= 1 &&
        Number.isInteger(r.at.column) &&
        r.at.column >= 1 &&
        Number.isInteger(r.at.offset) &&
        r.at.offset >= 0 &&
        r.at.offset <= sql.length,
    );
    expect(positioned.length, 'at least one reason with a valid position').toBeGreaterThanOrEqual(1);
  }
}

function check(sql: string, allowed: readonly Risk[]): Classification {
  const result = run(sql);
  expectWellFormed(sql, result, allowed);
  return result;
}

describe('classify on hostile input', () => {
  it('empty text is invalid', () => {
    check('', ['invalid']);
  });

  it('whitespace and comment-only texts are invalid', () => {
    check(' \t\r\n ', ['invalid']);
    check('-- only a comment', ['invalid']);
    check('/* only */ // comments\n-- here\n;;', ['invalid']);
    check(`/* ${'x'.repeat(MB)} */`, ['invalid']);
    check(';'.repeat(100_000), ['invalid']);
  });

  it('1 MB of random printable garbage is privileged (P-U)', () => {
    check(randomPrintable(MB, 0xa11c0c), ['privileged']);
  });

  it('1 MB of random bytes decoded as UTF-8 is privileged (P-U)', () => {
    check(randomBytesAsString(MB, 0x5eed), ['privileged']);
  });

  it('NUL bytes outside strings are privileged (P-U)', () => {
    check('\u0000', ['privileged']);
    check('\u0000'.repeat(100_000), ['privileged']);
    check('SELECT 1\u0000', ['privileged']);
    check('SELECT\u00001', ['privileged']);
    // Inside a string literal the spec only constrains characters outside strings; accept either answer.
    check("SELECT 'a\u0000b'", ['read', 'privileged']);
  });

  it('invalid UTF-16 (lone surrogates) never throws', () => {
    check('\uD800', ['privileged']);
    check('\uDC00SELECT 1', ['privileged']);
    check('SELECT \uD83D 1', ['privileged']);
    check('SELECT 1 \uDFFF', ['privileged']);
    // inside a string, quoted identifier or comment: not a lexer error per the spec, but accept fail-closed
    check("SELECT '\uD800'", ['read', 'privileged']);
    check('SELECT "\uDC00" FROM t', ['read', 'privileged']);
    check('SELECT 1 -- \uD800', ['read', 'privileged']);
    check('\uD800'.repeat(100_000), ['privileged']);
  });

  it('50,000-deep balanced parentheses around SELECT 1 is read (or privileged by a depth limit)', () => {
    const depth = 50_000;
    check(`${'('.repeat(depth)}SELECT 1${')'.repeat(depth)}`, ['read', 'privileged']);
  });

  it('50,000-deep parentheses inside an expression never throws', () => {
    const depth = 50_000;
    check(`SELECT ${'('.repeat(depth)}1${')'.repeat(depth)}`, ['read', 'privileged']);
    check(`SELECT ${'f('.repeat(depth)}1${')'.repeat(depth)}`, ['read', 'privileged']);
  });

  it('50,000 unbalanced "(" are privileged (P-U)', () => {
    check('('.repeat(50_000), ['privileged']);
    check(`${'('.repeat(50_000)}SELECT 1`, ['privileged']);
    check(`SELECT ${'('.repeat(50_000)}1`, ['privileged']);
    check(`SELECT 1${')'.repeat(50_000)}`, ['privileged']);
  });

  it('10,000 statements "SELECT 1;" are privileged (M1)', () => {
    const result = check('SELECT 1;'.repeat(10_000), ['privileged']);
    expect(result.risk).toBe('privileged');
  });

  it('10,000 statements with a blocked one at the end are blocked (B-N)', () => {
    check(`${'SELECT 1;\n'.repeat(10_000)}DROP DATABASE prod;`, ['blocked']);
  });

  it('unterminated constructs at the end of a large text are privileged (P-U)', () => {
    const pad = 'SELECT 1 AS a, 2 AS b FROM t WHERE x = 1 AND y = 2\n'.repeat(20_000);
    check(`${pad}'`, ['privileged']);
    check(`${pad}"`, ['privileged']);
    check(`${pad}/*`, ['privileged']);
    check(`${pad}$$`, ['privileged']);
  });

  it('very long tokens never throw', () => {
    check(`SELECT ${'a'.repeat(MB)} FROM t`, ['read', 'privileged']);
    check(`SELECT '${'x'.repeat(MB)}'`, ['read']);
    check(`SELECT "${'y'.repeat(MB)}" FROM t`, ['read', 'privileged']);
    check(`SELECT ${'9'.repeat(MB)}`, ['read', 'privileged']);
  });

  it('control characters and exotic whitespace are privileged (P-U)', () => {
    for (const ch of ['\u000b', '\u000c', '\u0085', '\u00a0', '\u1680', '\u2028', '\u2029', '\u200b', '\u3000', '\ufeff', '\ufffd']) {
      check(`SELECT${ch}1`, ['privileged']);
    }
  });
});

describe('what a hostile text costs the record', () => {
  it('an error every other character gives 20 reasons and one that counts the rest, at their places', () => {
    const sql = `SELECT 1\n${'\u0000a'.repeat(30_000)}`;
    const result = check(sql, ['privileged']);
    // The lexer's reasons; the parser adds one of its own ("the query does not parse").
    const unreadable = result.reasons.filter((r) => r.code === 'P-U' && !r.message.includes('does not parse'));
    expect(unreadable).toHaveLength(MAX_LEX_REASONS + 1);
    expect(result.reasons.length).toBeLessThanOrEqual(MAX_LEX_REASONS + 3);
    expect(unreadable.slice(0, 2).map((r) => [r.at.line, r.at.column, r.at.offset])).toEqual([
      [2, 1, 9],
      [2, 3, 11],
    ]);
    expect(unreadable.at(-1)).toMatchObject({ message: expect.stringContaining(`and ${30_000 - MAX_LEX_REASONS} more places the text cannot be read (not listed)`), at: { line: 2, column: 2 * MAX_LEX_REASONS + 1 } });
  });

  it('a statement is privileged for a lexer error inside it, not for one in another statement', () => {
    const result = check("SELECT 1; SELECT 'abc", ['privileged']);
    expect(result.statements.map((s) => s.risk)).toEqual(['read', 'privileged']);
    const before = check('SELECT \'abc\' ; SELECT "x', ['privileged']);
    expect(before.statements.map((s) => s.risk)).toEqual(['read', 'privileged']);
  });
});
