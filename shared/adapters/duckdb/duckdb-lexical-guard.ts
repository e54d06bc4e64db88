import { lex, type Token } from '../../sql/lexer.js';
import { lowerBound } from '../../sorted-search.js';

/** One place where DuckDB would read the text differently from the classifier (Snowflake's lexer). */
export interface LexicalAmbiguity {
  message: string;
  /** 0-based UTF-16 offset, 1-based line and column of the construct. */
  offset: number;
  line: number;
  column: number;
}

/*
 * The classifier lexes Snowflake SQL; the local warehouse is DuckDB, whose scanner is
 * PostgreSQL's. Wherever the two split the same text into different tokens, a column or
 * table can sit in a comment or a string for one of them and in the query for the other,
 * so the classifier would judge a statement that is not the one that runs. Each case below
 * was seen to differ on DuckDB 1.5.6 (test/integration/warehouse/lexical-differential.test.ts):
 * - `//` starts a comment for Snowflake; in DuckDB it is integer division.
 * - A backslash in a string escapes the next character for Snowflake; DuckDB has no
 *   backslash escapes ('a\' is a whole string), except in E'…' strings. The string ends at a
 *   different place only where the escaped character is a quote (`\'`), so only that is refused:
 *   `'\d+'` or `'\xAA'` end where both readers end them (their values differ, their tokens do not).
 * - Block comments nest in DuckDB (`/* /* *\/ x *\/`) and do not in Snowflake.
 * - `$tag$ … $tag$` is a string in DuckDB; Snowflake reads `$tag$` as a variable.
 * - E'…' (escape string), B'…', X'…', N'…' and U&'…' / U&"…" (unicode escapes) are DuckDB literals;
 *   the classifier reads a name followed by a string.
 * - Two string literals separated by a line break are one string in DuckDB ('a'\n'b' is 'ab').
 * - Characters the classifier does not allow outside strings (U+00A0, U+3000, control
 *   characters): DuckDB reads unicode spaces as spaces.
 * - Digits run into letters or `_` (`1_000`, `1__name`, `0x1F`): DuckDB has digit separators,
 *   Snowflake ends the number and starts an alias.
 * - `#1` is a positional column in DuckDB; `@x` is DuckDB's abs() (a stage for Snowflake);
 *   `->>` is DuckDB's JSON operator (Snowflake's statement chain); backticks are DuckDB operators.
 * The answer is a refusal, never a rewrite: the text that runs is the text that was classified.
 */

/** Letters that turn the string right after them into another kind of literal in DuckDB (escape, bit, hex, national). */
const STRING_PREFIX = /^[ebxn]$/i;

/**
 * Where DuckDB would lex `sql` differently from the classifier; empty when they agree.
 *
 * @example
 * duckdbLexicalAmbiguities('SELECT 1 // 1 AS z, name FROM customers')[0]?.message;
 * // "'//' is a comment for the classifier but integer division in DuckDB"
 */
export function duckdbLexicalAmbiguities(sql: string): LexicalAmbiguity[] {
  const { tokens } = lex(sql);
  const out: LexicalAmbiguity[] = [];
  const lines = lineStarts(sql);
  // The first MAX_LISTED are listed; the rest are counted into one last entry. A hostile text can hold
  // a construct every other character, and each listed one becomes a reason in the write-ahead record.
  let unlisted = 0;
  let firstUnlisted = 0;
  const at = (offset: number, message: string): void => {
    if (out.length < MAX_LISTED) out.push({ message, offset, ...lineColumn(lines, offset) });
    else if (unlisted++ === 0) firstUnlisted = offset;
  };
  let previousEnd = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    scanGap(sql, previousEnd, t.start, at);
    previousEnd = t.end;
    const prev = i > 0 ? tokens[i - 1] : undefined;
    const adjacent = prev !== undefined && prev.end === t.start;
    switch (t.kind) {
      case 'string':
        if (escapesQuote(t.text)) at(t.start, 'a backslash before a quote in a string literal escapes it for the classifier but not in DuckDB, so the string ends elsewhere');
        if (prev?.kind === 'string' && /[\n\r]/.test(sql.slice(prev.end, t.start))) at(t.start, 'string literals separated by a line break are one string in DuckDB but two for the classifier');
        if (adjacent && prev.kind === 'punct' && prev.text === '&' && tokens[i - 2]?.end === prev.start && /^u$/i.test(tokens[i - 2]?.text ?? '')) {
          at(prev.start - 1, "U&'…' is a unicode-escape string in DuckDB only");
        } else if (adjacent && prev.kind === 'word' && STRING_PREFIX.test(prev.text)) {
          at(prev.start, `${prev.text}'…' is a DuckDB literal (escape string, bits, hex or national) but a name and a string for the classifier`);
        }
        break;
      case 'quoted':
        if (adjacent && prev.kind === 'punct' && prev.text === '&' && /^u$/i.test(tokens[i - 2]?.text ?? '')) at(prev.start - 1, 'U&"…" is a unicode-escape identifier in DuckDB only');
        break;
      case 'variable':
        if (/^\$[A-Za-z_][A-Za-z0-9_]*\$/.test(t.text)) at(t.start, `${/^\$[A-Za-z0-9_]*\$/.exec(t.text)?.[0] ?? '$…$'} opens a dollar-quoted string in DuckDB but is a variable for the classifier`);
        break;
      case 'word':
        if (adjacent && prev.kind === 'number') at(prev.start, `'${prev.text}${t.text.slice(0, 12)}' is one number in DuckDB (digit separators, hex) but a number and a name for the classifier`);
        break;
      case 'number':
        if (adjacent && prev.kind === 'number') at(prev.start, `'${prev.text}${t.text}' is read as one number by DuckDB and two by the classifier`);
        break;
      case 'bad':
        at(t.start, 'a character the classifier does not allow outside strings, which DuckDB may read as a space');
        break;
      case 'stage':
        at(t.start, "'@' is an operator (absolute value) in DuckDB but a stage reference for the classifier");
        break;
      case 'punct':
        if (t.text === '->>') at(t.start, "'->>' is a JSON operator in DuckDB but chains statements for the classifier");
        else if (t.text === '#') at(t.start, "'#' is a positional column reference in DuckDB only");
        else if (t.text === '`') at(t.start, 'backticks are operators in DuckDB only');
        else if (t.text === '\\') at(t.start, 'a backslash outside a string is not SQL for the classifier');
        break;
      default:
        break;
    }
  }
  scanGap(sql, previousEnd, sql.length, at);
  if (unlisted > 0) {
    out.push({ message: `and ${unlisted} more place${unlisted === 1 ? '' : 's'} DuckDB would read differently (not listed)`, offset: firstUnlisted, ...lineColumn(lines, firstUnlisted) });
  }
  return out;
}

/** Ambiguities listed one by one; the rest are summed up in one more entry. */
export const MAX_LISTED = 20;

/** Whether a backslash in this string token (as the classifier lexed it) escapes a quote. */
function escapesQuote(text: string): boolean {
  for (let k = 1; k < text.length - 1; k++) {
    if (text.charCodeAt(k) !== 92) continue;
    if (text.charCodeAt(k + 1) === 39) return true;
    k++;
  }
  return false;
}

/** The text between two tokens is whitespace and comments for the classifier; look at its comments as DuckDB would. */
function scanGap(sql: string, from: number, to: number, at: (offset: number, message: string) => void): void {
  let k = from;
  while (k < to) {
    const c = sql.charCodeAt(k);
    const c2 = sql.charCodeAt(k + 1);
    if (c === 45 && c2 === 45) {
      while (k < to && sql.charCodeAt(k) !== 10 && sql.charCodeAt(k) !== 13) k++;
    } else if (c === 47 && c2 === 47) {
      at(k, "'//' is a comment for the classifier but integer division in DuckDB");
      while (k < to && sql.charCodeAt(k) !== 10 && sql.charCodeAt(k) !== 13) k++;
    } else if (c === 47 && c2 === 42) {
      const close = sql.indexOf('*/', k + 2);
      const end = close < 0 || close + 2 > to ? to : close + 2;
      if (sql.slice(k + 2, end).includes('/*')) at(k, 'block comments nest in DuckDB but not for the classifier');
      k = end;
    } else k++;
  }
}

/** The offset each line starts at (line 1 at 0). */
function lineStarts(sql: string): number[] {
  const starts = [0];
  for (let k = sql.indexOf('\n'); k >= 0; k = sql.indexOf('\n', k + 1)) starts.push(k + 1);
  return starts;
}

/** 1-based line and column of `offset`, by binary search over the line starts (a scan from 0 per call was quadratic). */
function lineColumn(starts: number[], offset: number): { line: number; column: number } {
  // The last line starting at or before the offset: one before the first starting after it.
  const line = lowerBound(starts, offset + 1, (s) => s);
  return { line, column: offset - starts[line - 1]! + 1 };
}
