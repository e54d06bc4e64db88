import { classifyStatement } from './classify-statement.js';
import { lex } from './lexer.js';
import type { Token } from './lexer.js';
import { splitStatements } from './split-statements.js';

/** Where the grammar stopped on a statement that is `privileged` only because it did not parse (P-U). */
export interface GrammarGap {
  /** 1-based index of the statement in the text. */
  statement: number;
  line: number;
  column: number;
  offset: number;
  /** The token where the grammar stopped, as written; string literals are shown as `<string>` (never their value). */
  token: string;
  /** What the grammar accepts at that point. */
  expected: string;
  /** The classifier's P-U reason. */
  message: string;
  /** True when the text ended before the statement was complete (the token is then the last one). */
  atEnd: boolean;
  /** A few tokens either side of the stop, string literals masked, `⟦…⟧` around the stop: enough to report the gap. */
  context: string;
}

function shown(t: Token): string {
  if (t.kind === 'string' || t.kind === 'dollar') return '<string>';
  const text = t.text.length > 40 ? `${t.text.slice(0, 40)}…` : t.text;
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function context(toks: Token[], at: Token, atEnd: boolean): string {
  const i = toks.indexOf(at);
  if (i < 0) return shown(at);
  const from = Math.max(0, i - 6);
  const parts = toks.slice(from, Math.min(toks.length, i + 4)).map((t, k) => (from + k === i && !atEnd ? `⟦${shown(t)}⟧` : shown(t)));
  return `${from > 0 ? '… ' : ''}${parts.join(' ')}${atEnd ? ' ⟦end of text⟧' : ''}${i + 4 < toks.length ? ' …' : ''}`;
}

/**
 * The grammar gaps of a SQL text: for each P-U reason, the exact token and position where the classifier stopped
 * and what it expected there. Never throws; an empty list means no statement is privileged for being unparseable.
 * @example grammarGaps('SELECT * FROOOM t')[0]?.token // 'FROOOM'
 */
export function grammarGaps(sql: string): GrammarGap[] {
  const { tokens, errors } = lex(sql);
  const gaps: GrammarGap[] = [];
  const statements = splitStatements(tokens);
  const statementAt = (offset: number): number => {
    const k = statements.findIndex((s) => offset >= s.start && offset < s.end);
    return k < 0 ? 0 : k + 1;
  };
  for (const e of errors) {
    const t = tokens.find((x) => x.start === e.offset);
    gaps.push({
      statement: statementAt(e.offset),
      line: e.line,
      column: e.column,
      offset: e.offset,
      token: t === undefined ? '' : shown(t),
      expected: 'printable ASCII outside strings, quoted identifiers and comments, and every string, identifier or comment closed',
      message: e.message,
      atEnd: false,
      context: t === undefined ? '' : context(tokens, t, false),
    });
  }
  statements.forEach((st, index) => {
    for (const f of classifyStatement(st.tokens, 0).findings) {
      if (f.code !== 'P-U') continue;
      const atEnd = f.atEnd === true;
      gaps.push({
        statement: index + 1,
        line: f.token.line,
        column: atEnd ? f.token.column + f.token.text.length : f.token.column,
        offset: atEnd ? f.token.end : f.token.start,
        token: atEnd ? '' : shown(f.token),
        expected: f.expected ?? 'a complete statement',
        message: f.message,
        atEnd,
        context: context(st.tokens, f.token, atEnd),
      });
    }
    if (st.unterminatedBlock) {
      const last = st.tokens[st.tokens.length - 1] as Token;
      gaps.push({ statement: index + 1, line: last.line, column: last.column, offset: last.end, token: '', expected: 'END closing the block', message: 'the block has no matching END', atEnd: true, context: context(st.tokens, last, true) });
    }
  });
  return gaps.sort((a, b) => a.offset - b.offset);
}

/** One line a user can paste into a gap report. */
export function formatGap(g: GrammarGap): string {
  const where = g.atEnd ? `at the end of statement ${g.statement}` : `at ${g.token}`;
  return `P-U gap: stopped ${where} (line ${g.line}, column ${g.column}, offset ${g.offset}); expected ${g.expected}; context: ${g.context}`;
}
