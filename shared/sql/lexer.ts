/**
 * Snowflake-aware tokenizer (docs/risk-rules.md §0). Single forward pass, no recursion, no regex
 * backtracking, so any input (1 MB of garbage, NUL bytes, lone surrogates) lexes in linear time.
 */

export type TokenKind =
  | 'word'
  | 'quoted'
  | 'string'
  | 'dollar'
  | 'number'
  | 'variable'
  | 'stage'
  /** The unquoted local file path of PUT / GET (`file:///tmp/a.csv`). */
  | 'path'
  | 'punct'
  | 'semicolon'
  | 'bad';

export interface Token {
  kind: TokenKind;
  /** Raw source text of the token. */
  text: string;
  start: number;
  end: number;
  line: number;
  column: number;
}

export interface LexError {
  message: string;
  offset: number;
  line: number;
  column: number;
}

export interface LexResult {
  tokens: Token[];
  errors: LexError[];
}

const MULTI_PUNCT = ['::', '||', '<=', '>=', '<>', '!=', '=>', '->', '=='];

function isWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isWordPart(c: number): boolean {
  return isWordStart(c) || isDigit(c) || c === 36;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
/** Printable ASCII plus TAB, LF, CR: the only characters allowed outside strings and comments. */
function isAllowed(c: number): boolean {
  return (c >= 32 && c <= 126) || c === 9 || c === 10 || c === 13;
}

function describeChar(c: number): string {
  const hex = c.toString(16).toUpperCase().padStart(4, '0');
  const names: Record<number, string> = {
    0: 'NUL',
    0xa0: 'no-break space',
    0xfeff: 'byte order mark',
    0x200b: 'zero-width space',
    0x200c: 'zero-width non-joiner',
    0x200d: 'zero-width joiner',
    0x0c: 'form feed',
    0xff1b: 'full-width semicolon',
  };
  const name = names[c] ?? (c >= 0x400 && c <= 0x4ff ? 'Cyrillic letter' : c >= 0xd800 && c <= 0xdfff ? 'lone surrogate' : 'non-ASCII or control character');
  return `U+${hex} (${name})`;
}

/**
 * Tokenizes `sql`. Comments are dropped (they only separate tokens). Errors never throw: a bad
 * character becomes a `bad` token and an unterminated construct runs to the end of the text.
 * @example lex("SELECT 'a''b' -- x").tokens.map((t) => t.kind) // ['word', 'string']
 */
export function lex(sql: string): LexResult {
  const tokens: Token[] = [];
  const errors: LexError[] = [];
  const n = sql.length;
  let i = 0;
  let line = 1;
  let lineStart = 0;

  const err = (message: string, offset: number, l: number, col: number): void => {
    errors.push({ message, offset, line: l, column: col });
  };
  // Advances `i` to `to`, counting newlines inside multi-line tokens.
  const advanceTo = (to: number): void => {
    for (let k = i; k < to; k++) {
      if (sql.charCodeAt(k) === 10) {
        line++;
        lineStart = k + 1;
      }
    }
    i = to;
  };

  let start = 0;
  let startLine = 1;
  let startCol = 1;
  // Defined once, outside the loop: a closure per token dominated the profile.
  const push = (kind: TokenKind, end: number): void => {
    tokens.push({ kind, text: sql.slice(start, end), start, end, line: startLine, column: startCol });
  };

  while (i < n) {
    const c = sql.charCodeAt(i);
    startLine = line;
    startCol = i - lineStart + 1;
    start = i;
    if (c === 10) {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === 32 || c === 9 || c === 13) {
      i++;
      continue;
    }
    const c2 = i + 1 < n ? sql.charCodeAt(i + 1) : -1;
    if ((c === 45 && c2 === 45) || (c === 47 && c2 === 47)) {
      // A bare CR also ends the comment: treating it as a line end can only expose more text (fail closed).
      let k = i;
      while (k < n && sql.charCodeAt(k) !== 10 && sql.charCodeAt(k) !== 13) k++;
      i = k;
      continue;
    }
    if (c === 47 && c2 === 42) {
      // Block comments do not nest: the first `*/` closes (RISK-RULES §0, §7).
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) {
        err('unterminated /* comment', start, startLine, startCol);
        advanceTo(n);
      } else advanceTo(close + 2);
      continue;
    }
    if (c === 39) {
      let k = i + 1;
      let closed = false;
      while (k < n) {
        const d = sql.charCodeAt(k);
        if (d === 92) k += 2;
        else if (d === 39) {
          if (sql.charCodeAt(k + 1) === 39) k += 2;
          else {
            closed = true;
            k++;
            break;
          }
        } else k++;
      }
      if (!closed) err('unterminated string literal', start, startLine, startCol);
      k = Math.min(k, n);
      push('string', k);
      advanceTo(k);
      continue;
    }
    if (c === 34) {
      let k = i + 1;
      let closed = false;
      while (k < n) {
        if (sql.charCodeAt(k) === 34) {
          if (sql.charCodeAt(k + 1) === 34) k += 2;
          else {
            closed = true;
            k++;
            break;
          }
        } else k++;
      }
      if (!closed) err('unterminated quoted identifier', start, startLine, startCol);
      push('quoted', k);
      advanceTo(k);
      continue;
    }
    if (c === 36) {
      if (c2 === 36) {
        const close = sql.indexOf('$$', i + 2);
        const end = close < 0 ? n : close + 2;
        if (close < 0) err('unterminated $$ string', start, startLine, startCol);
        push('dollar', end);
        advanceTo(end);
        continue;
      }
      let k = i + 1;
      while (k < n && isWordPart(sql.charCodeAt(k))) k++;
      push(k > i + 1 ? 'variable' : 'punct', k);
      i = k;
      continue;
    }
    if (c === 64) {
      i = lexStage(sql, i);
      push('stage', i);
      continue;
    }
    if ((c === 102 || c === 70) && isFileUri(sql, i)) {
      // Snowflake lexes the unquoted local path of PUT/GET as one token up to whitespace or `;`: its `//` is no comment.
      // Applied wherever `file://` starts a token: the path never hides more text than a `//` comment would.
      let k = i + 7;
      while (k < n) {
        const d = sql.charCodeAt(k);
        if (d === 32 || d === 9 || d === 10 || d === 13 || d === 59) break;
        k++;
      }
      push('path', k);
      for (let m = i; m < k; m++) if (!isAllowed(sql.charCodeAt(m))) err(`character ${describeChar(sql.charCodeAt(m))} is not allowed outside strings, quoted identifiers and comments`, m, startLine, startCol + (m - i));
      i = k;
      continue;
    }
    if (isWordStart(c)) {
      let k = i + 1;
      while (k < n && isWordPart(sql.charCodeAt(k))) k++;
      push('word', k);
      i = k;
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(c2))) {
      let k = i;
      while (k < n && isDigit(sql.charCodeAt(k))) k++;
      if (sql.charCodeAt(k) === 46) {
        k++;
        while (k < n && isDigit(sql.charCodeAt(k))) k++;
      }
      const e = sql.charCodeAt(k);
      if (e === 69 || e === 101) {
        let m = k + 1;
        const s = sql.charCodeAt(m);
        if (s === 43 || s === 45) m++;
        if (isDigit(sql.charCodeAt(m))) {
          while (m < n && isDigit(sql.charCodeAt(m))) m++;
          k = m;
        }
      }
      push('number', k);
      i = k;
      continue;
    }
    if (c === 59) {
      push('semicolon', i + 1);
      i++;
      continue;
    }
    if (!isAllowed(c)) {
      // A run of them is one `bad` token and one error: 64 KiB of NULs made 65,536 of each, and every
      // error became a reason in the write-ahead record (23 MB, and seconds of CPU).
      let k = i + 1;
      while (k < n && !isAllowed(sql.charCodeAt(k))) k++;
      const more = k - i - 1;
      err(`character ${describeChar(c)}${more > 0 ? ` and the ${more} after it` : ''} ${more > 0 ? 'are' : 'is'} not allowed outside strings, quoted identifiers and comments`, start, startLine, startCol);
      push('bad', k);
      i = k;
      continue;
    }
    const two = sql.slice(i, i + 2);
    // `->>` is Snowflake's flow operator: it chains a second statement.
    const len = sql.startsWith('->>', i) ? 3 : MULTI_PUNCT.includes(two) ? 2 : 1;
    push('punct', i + len);
    i += len;
  }
  return { tokens, errors };
}

/** `file://` (any case) at `i`. */
function isFileUri(sql: string, i: number): boolean {
  return sql.slice(i, i + 7).toLowerCase() === 'file://';
}

/** `@name`, `@db.sch."St"`, `@~`, `@%table`, each with an optional `/path`; a lone `@` is still a stage reference (fail closed). */
function lexStage(sql: string, from: number): number {
  const n = sql.length;
  let k = from + 1;
  const c = sql.charCodeAt(k);
  if (c === 126) k++;
  else {
    if (c === 37) k++;
    for (;;) {
      if (sql.charCodeAt(k) === 34) {
        k++;
        while (k < n) {
          if (sql.charCodeAt(k) !== 34) k++;
          else if (sql.charCodeAt(k + 1) === 34) k += 2;
          else break;
        }
        k = Math.min(k + 1, n);
      } else while (k < n && isWordPart(sql.charCodeAt(k))) k++;
      if (sql.charCodeAt(k) === 46 && k + 1 < n) {
        k++;
        // @namespace.%table_name: a table stage in another schema.
        if (sql.charCodeAt(k) === 37) k++;
      } else break;
    }
  }
  if (sql.charCodeAt(k) === 47) {
    while (k < n) {
      const d = sql.charCodeAt(k);
      if (d <= 32 || d === 40 || d === 41 || d === 44 || d === 59 || d === 39 || d > 126) break;
      k++;
    }
  }
  return k;
}
