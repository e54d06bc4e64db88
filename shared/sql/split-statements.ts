import type { Token } from './lexer.js';

export interface RawStatement {
  tokens: Token[];
  /** UTF-16 offsets of the first and past the last token. */
  start: number;
  end: number;
  /** True when a Snowflake Scripting block ran to the end of the text without its closing END. */
  unterminatedBlock: boolean;
}

const TXN_AFTER_BEGIN = new Set(['TRANSACTION', 'WORK', 'NAME']);
// `END IF`, `END LOOP`… close constructs the splitter does not count; only BEGIN and CASE are counted.
const END_SUFFIX_IGNORED = new Set(['IF', 'LOOP', 'FOR', 'WHILE', 'REPEAT']);

function upper(t: Token | undefined): string {
  return t !== undefined && t.kind === 'word' ? t.text.toUpperCase() : '';
}

/** Whether the token at `i` opens a Snowflake Scripting block whose inner `;` must not split. */
function opensBlock(tokens: Token[], i: number, first: boolean, stmtFirst: string): boolean {
  const w = upper(tokens[i]);
  if (w === 'DECLARE' && first) return true;
  if (w !== 'BEGIN') return false;
  const next = tokens[i + 1];
  if (next === undefined || next.kind === 'semicolon' || next.text === '->>' || TXN_AFTER_BEGIN.has(upper(next))) return false;
  if (first) return true;
  // `CREATE PROCEDURE … AS BEGIN … END` (body without $$) and `EXECUTE IMMEDIATE` / `WITH … AS PROCEDURE` bodies.
  // Only where a body can follow: `SELECT 1 AS begin; DROP …` must still split.
  const prev = upper(tokens[i - 1]);
  return prev === 'AS' && (stmtFirst === 'CREATE' || stmtFirst === 'WITH');
}

/**
 * Splits a token stream into statements on `;` and the `->>` flow operator, keeping `BEGIN … END` / `DECLARE … BEGIN … END`
 * anonymous blocks (and unquoted SQL procedure bodies) whole. Empty pieces are dropped.
 * @example splitStatements(lex('SELECT 1; SELECT 2;').tokens).length // 2
 */
export function splitStatements(tokens: Token[]): RawStatement[] {
  const out: RawStatement[] = [];
  let cur: Token[] = [];
  let depth = 0;
  let inBlock = false;
  let declarePending = false;
  const flush = (unterminated: boolean): void => {
    const first = cur[0];
    const last = cur[cur.length - 1];
    if (first !== undefined && last !== undefined) {
      out.push({ tokens: cur, start: first.start, end: last.end, unterminatedBlock: unterminated });
    }
    cur = [];
    depth = 0;
    inBlock = false;
    declarePending = false;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'semicolon' || (t.kind === 'punct' && t.text === '->>')) {
      if (inBlock && depth > 0) {
        cur.push(t);
        continue;
      }
      flush(false);
      continue;
    }
    if (!inBlock && opensBlock(tokens, i, cur.length === 0, upper(cur[0]))) {
      inBlock = true;
      // DECLARE sections hold `;`-terminated declarations before their BEGIN.
      if (upper(t) === 'DECLARE') {
        declarePending = true;
        depth = 1;
      }
    }
    if (inBlock) {
      const w = upper(t);
      if (w === 'BEGIN' && declarePending) declarePending = false;
      else if (w === 'BEGIN' && opensBlockInside(tokens, i)) depth++;
      else if (w === 'CASE') depth++;
      else if (w === 'END' && !END_SUFFIX_IGNORED.has(upper(tokens[i + 1]))) {
        depth = Math.max(0, depth - 1);
        // `END CASE` closes the CASE; its CASE word must not open another one.
        if (upper(tokens[i + 1]) === 'CASE') {
          cur.push(t, tokens[++i] as Token);
          continue;
        }
      }
    }
    cur.push(t);
  }
  flush(inBlock && depth > 0);
  return out;
}

function opensBlockInside(tokens: Token[], i: number): boolean {
  const next = tokens[i + 1];
  return !(next !== undefined && TXN_AFTER_BEGIN.has(upper(next)));
}
