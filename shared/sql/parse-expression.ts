import type { Token } from './lexer.js';
import { isPunct, kw, normalizeIdent } from './names.js';
import { frame, fail, OPERAND_KEYWORDS, RESERVED } from './parser-state.js';
import type { Frame, ParserState } from './parser-state.js';
import { newNode } from './query-model.js';

export type StepResult = 'ok' | 'end' | 'err';

const BINARY = new Set(['+', '-', '*', '/', '%', '||', '=', '==', '!=', '<>', '<', '>', '<=', '>=', '^', '&', '|', '->', '=>']);
/** Words RESERVED lists for clause detection that Snowflake still accepts as column names. */
const SOFT_KEYWORDS = new Set(['END', 'OFFSET', 'FETCH', 'ESCAPE', 'WINDOW', 'ASOF', 'CHANGES', 'TOP', 'OVER', 'COLLATE', 'EXCLUDE', 'RENAME', 'CALL', 'EXECUTE', 'NULLS', 'OUTER', 'MERGE', 'PIVOT', 'UNPIVOT', 'MATCH_CONDITION', 'MATCH_RECOGNIZE', 'DELETE', 'UPDATE', 'ALTER', 'AT', 'BEFORE']);
const TYPE_LITERALS = new Set(['DATE', 'TIME', 'TIMESTAMP', 'TIMESTAMP_NTZ', 'TIMESTAMP_LTZ', 'TIMESTAMP_TZ', 'INTERVAL']);

/** Opens a `(`: a subquery when SELECT/WITH follows, otherwise an expression list. */
export function openParen(p: ParserState, f: Frame, fn = ''): void {
  const next = kw(p.toks[p.i + 1]);
  if (fn === '') {
    const close = lambdaParams(p, p.i);
    if (close > 0) {
      // `(acc INT, val INT) -> …`: a lambda parameter list, not an expression.
      p.i = close + 1;
      return;
    }
  }
  if (next === 'SELECT' || next === 'WITH') {
    if (f.item !== null) f.item.complex = true;
    const node = newNode();
    p.stack.push(frame('query', ')', { node, onClose: 'scalar' }));
  } else {
    p.stack.push(frame('list', ')', { refs: f.refs, item: f.item, fn }));
  }
  p.i++;
}

/** Index of the `)` closing a lambda parameter list `(a [type], b [type]) ->` opened at `open`, or -1. Bounded look-ahead. */
function lambdaParams(p: ParserState, open: number): number {
  const toks = p.toks;
  let depth = 0;
  for (let k = open; k < toks.length && k < open + 64; k++) {
    const t = toks[k] as Token;
    if (isPunct(t, '(')) {
      if (++depth > 2) return -1;
    } else if (isPunct(t, ')')) {
      depth--;
      if (depth === 0) return isPunct(toks[k + 1], '->') ? k : -1;
    } else if (!(t.kind === 'word' || t.kind === 'quoted' || t.kind === 'number' || isPunct(t, ','))) return -1;
    else if (t.kind === 'word' && (kw(t) === 'SELECT' || kw(t) === 'WITH')) return -1;
  }
  return -1;
}

/** Multi-word spellings of types: the words after the first. */
const TYPE_TAILS: Record<string, string[][]> = {
  DOUBLE: [['PRECISION']],
  CHARACTER: [['VARYING']],
  CHAR: [['VARYING']],
  NCHAR: [['VARYING']],
  NATIONAL: [['CHARACTER', 'VARYING'], ['CHAR', 'VARYING'], ['CHARACTER'], ['CHAR']],
  BINARY: [['VARYING']],
  TIMESTAMP: [['WITH', 'LOCAL', 'TIME', 'ZONE'], ['WITH', 'TIME', 'ZONE'], ['WITHOUT', 'TIME', 'ZONE']],
  TIME: [['WITH', 'TIME', 'ZONE'], ['WITHOUT', 'TIME', 'ZONE']],
};

/** Skips a data type after `::` or CAST … AS; returns false on garbage. */
export function skipType(p: ParserState): boolean {
  const t = p.toks[p.i];
  if (t === undefined || (t.kind !== 'word' && t.kind !== 'quoted')) return fail(p, 'expected a data type');
  p.i++;
  const w = kw(t);
  const tails = TYPE_TAILS[w];
  if (tails !== undefined) {
    for (const tail of tails) {
      if (tail.every((word, k) => kw(p.toks[p.i + k]) === word)) {
        p.i += tail.length;
        break;
      }
    }
  }
  if (isPunct(p.toks[p.i], '(')) {
    p.stack.push(frame('loose', ')'));
    p.i++;
  }
  return true;
}

/** Records an identifier chain `a.b."C"` as a column reference of the current select item. */
function identifierChain(p: ParserState, f: Frame): void {
  const parts: string[] = [];
  for (;;) {
    const t = p.toks[p.i];
    if (t === undefined) break;
    if (t.kind === 'word' || t.kind === 'quoted' || (t.kind === 'variable' && parts.length > 0)) {
      parts.push(t.kind === 'variable' ? t.text : normalizeIdent(t));
      if (t.kind === 'word' && parts.length > 1 && kw(t) === 'NEXTVAL' && p.nextval === null) p.nextval = t;
      p.i++;
    } else if (isPunct(t, '*') && parts.length > 0) {
      p.i++;
      parts.push('*');
      break;
    } else break;
    if (isPunct(p.toks[p.i], '.') && p.toks[p.i + 1] !== undefined) p.i++;
    else break;
  }
  const name = parts.pop();
  if (f.refs !== null && name !== undefined && name !== '*') f.refs.push({ qual: parts, name });
}

/** Consumes one token (or a short fixed sequence) of an expression in frame `f`. */
export function exprStep(p: ParserState, f: Frame): StepResult {
  const t = p.toks[p.i];
  if (t === undefined) return 'end';
  const next = p.toks[p.i + 1];
  if (f.operand) {
    if (f.exprFrom < 0) f.exprFrom = p.i;
    switch (t.kind) {
      case 'number':
      case 'string':
      case 'dollar':
      case 'variable':
        p.i++;
        f.operand = false;
        return 'ok';
      case 'quoted':
        identifierChain(p, f);
        f.operand = false;
        if (isPunct(p.toks[p.i], '(')) openParen(p, f);
        return 'ok';
      case 'stage':
        p.i++;
        f.operand = false;
        return 'ok';
      case 'punct':
        if (t.text === '?' ) {
          p.i++;
          f.operand = false;
          return 'ok';
        }
        if (t.text === ':' && next !== undefined && (next.kind === 'word' || next.kind === 'number')) {
          p.i += 2;
          f.operand = false;
          return 'ok';
        }
        if (t.text === '(') {
          f.operand = false;
          openParen(p, f);
          return 'ok';
        }
        if (t.text === '[' || t.text === '{') {
          f.operand = false;
          p.stack.push(frame('list', t.text === '[' ? ']' : '}', { refs: f.refs, item: f.item }));
          p.i++;
          return 'ok';
        }
        if (t.text === '-' || t.text === '+' || t.text === '~') {
          p.i++;
          return 'ok';
        }
        if (t.text === '*') {
          p.i++;
          f.operand = false;
          return 'ok';
        }
        return 'end';
      case 'word': {
        const w = kw(t);
        if (isPunct(next, '=>')) {
          p.i += 2;
          return 'ok';
        }
        // GROUP BY a, GROUPING SETS (…): SETS( then parses as a call.
        if (w === 'GROUPING' && kw(next) === 'SETS') {
          p.i++;
          return 'ok';
        }
        if (w === 'NOT' || w === 'PRIOR' || w === 'EXISTS' || w === 'CONNECT_BY_ROOT') {
          p.i++;
          return 'ok';
        }
        if (w === 'CASE') {
          f.operand = false;
          p.stack.push(frame('case', 'END', { refs: f.refs, item: f.item, state: 'fresh' }));
          p.i++;
          return 'ok';
        }
        if (w === 'NULL' || w === 'TRUE' || w === 'FALSE') {
          p.i++;
          f.operand = false;
          return 'ok';
        }
        // X'00FF': a hex binary literal (the quote touches the X).
        if (w === 'X' && next !== undefined && next.kind === 'string' && next.start === t.end) {
          p.i += 2;
          f.operand = false;
          return 'ok';
        }
        // {fn FUNC(…)}: ODBC escape for a scalar function call.
        if (w === 'FN' && f.close === '}' && f.exprFrom === p.i && isPunct(p.toks[p.i - 1], '{') && next?.kind === 'word' && isPunct(p.toks[p.i + 2], '(')) {
          p.i++;
          return 'ok';
        }
        if (TYPE_LITERALS.has(w) && next !== undefined && next.kind === 'string') {
          p.i += 2;
          f.operand = false;
          return 'ok';
        }
        if (isPunct(next, '(') && (w === 'LIKE' || w === 'ILIKE' || w === 'RLIKE' || w === 'REGEXP')) {
          // Function forms of the predicates: LIKE(subject, pattern [, escape]), RLIKE(subject, pattern [, flags]).
          p.i++;
          f.operand = false;
          openParen(p, f, w);
          return 'ok';
        }
        if ((w === 'IDENTIFIER' || w === 'MODEL') && isPunct(next, '(')) {
          const after = calledName(p, p.i + 2, w === 'MODEL');
          if (after > 0) {
            // IDENTIFIER('fn')(args) and MODEL(name [, version])!method(args)
            p.i = after;
            f.operand = false;
            openParen(p, f, w);
            return 'ok';
          }
        }
        if (isPunct(next, '(') && (!RESERVED.has(w) || OPERAND_KEYWORDS.has(w)) && !(isPunct(p.toks[p.i + 2], '+') && isPunct(p.toks[p.i + 3], ')'))) {
          p.i++;
          f.operand = false;
          openParen(p, f, w);
          return 'ok';
        }
        if (RESERVED.has(w) && !OPERAND_KEYWORDS.has(w) && !(SOFT_KEYWORDS.has(w) && f.type !== 'case')) return 'end';
        identifierChain(p, f);
        f.operand = false;
        // Oracle-style outer join marker `t2.c(+)`, which Snowflake accepts.
        if (isPunct(p.toks[p.i], '(') && isPunct(p.toks[p.i + 1], '+') && isPunct(p.toks[p.i + 2], ')')) {
          p.i += 3;
          return 'ok';
        }
        // Model methods: my_model!PREDICT(…), version_alias!method(…).
        if (isPunct(p.toks[p.i], '!') && p.toks[p.i + 1]?.kind === 'word' && isPunct(p.toks[p.i + 2], '(')) p.i += 2;
        // Qualified calls: SNOWFLAKE.CORTEX.COMPLETE(…), INFORMATION_SCHEMA.QUERY_HISTORY(…).
        if (isPunct(p.toks[p.i], '(')) openParen(p, f, kw(p.toks[p.i - 1]));
        return 'ok';
      }
      default:
        return 'end';
    }
  }
  return operatorStep(p, f);
}

/**
 * For `IDENTIFIER(<one token>)(` / `MODEL(name [, version])!method(` starting at the argument `from`: the index of the
 * call's `(`, or -1 when the text has another shape.
 */
function calledName(p: ParserState, from: number, model: boolean): number {
  const toks = p.toks;
  let k = from;
  if (!model) {
    const a = toks[k];
    if (a === undefined || !(a.kind === 'string' || a.kind === 'variable' || a.kind === 'word' || a.kind === 'quoted' || a.kind === 'dollar')) return -1;
    k++;
    return isPunct(toks[k], ')') && isPunct(toks[k + 1], '(') ? k + 1 : -1;
  }
  for (let n = 0; n < 12; n++, k++) {
    const t = toks[k];
    if (t === undefined) return -1;
    if (isPunct(t, ')')) break;
    if (!(t.kind === 'word' || t.kind === 'quoted' || isPunct(t, '.') || isPunct(t, ','))) return -1;
  }
  return isPunct(toks[k], ')') && isPunct(toks[k + 1], '!') && toks[k + 2]?.kind === 'word' && isPunct(toks[k + 3], '(') ? k + 3 : -1;
}

function operatorStep(p: ParserState, f: Frame): StepResult {
  const t = p.toks[p.i];
  if (t === undefined) return 'end';
  const next = p.toks[p.i + 1];
  if (t.kind === 'punct') {
    const s = t.text;
    if (s === '::') {
      p.i++;
      return skipType(p) ? 'ok' : 'err';
    }
    if (s === ':' || s === '.') {
      if (next === undefined || !(next.kind === 'word' || next.kind === 'quoted' || next.kind === 'number' || next.kind === 'variable' || (s === '.' && isPunct(next, '*')))) {
        fail(p, `unexpected '${s}'`);
        return 'err';
      }
      p.i += 2;
      return 'ok';
    }
    if (s === '[') {
      p.stack.push(frame('list', ']', { refs: f.refs, item: f.item }));
      p.i++;
      return 'ok';
    }
    if (BINARY.has(s)) {
      p.i++;
      f.operand = true;
      return 'ok';
    }
    return 'end';
  }
  if (t.kind !== 'word') return 'end';
  const w = kw(t);
  const n1 = kw(next);
  // Typed lambda parameter: `a INT -> a * 2`.
  if (isPunct(next, '->') && !RESERVED.has(w)) {
    p.i++;
    return 'ok';
  }
  // NTH_VALUE(x, 2) FROM FIRST | FROM LAST, before IGNORE/RESPECT NULLS or OVER.
  if (w === 'FROM' && (n1 === 'FIRST' || n1 === 'LAST') && isPunct(p.toks[p.i - 1], ')') && ['IGNORE', 'RESPECT', 'OVER'].includes(kw(p.toks[p.i + 2]))) {
    p.i += 2;
    return 'ok';
  }
  switch (w) {
    case 'AND':
    case 'OR':
    case 'BETWEEN':
    case 'ESCAPE':
    case 'COLLATE':
    case 'REGEXP':
    case 'RLIKE':
    case 'LIKE':
    case 'ILIKE':
      p.i++;
      if ((w === 'LIKE' || w === 'ILIKE' || w === 'RLIKE') && (n1 === 'ANY' || n1 === 'ALL' || n1 === 'SOME')) p.i++;
      f.operand = true;
      return 'ok';
    case 'NOT':
      if (['IN', 'LIKE', 'ILIKE', 'RLIKE', 'REGEXP', 'BETWEEN'].includes(n1)) {
        p.i++;
        return operatorStep(p, f);
      }
      fail(p, 'unexpected NOT');
      return 'err';
    case 'IN':
      if (!isPunct(next, '(')) {
        if (f.type === 'list' && f.fn !== '') {
          p.i++;
          f.operand = true;
          return 'ok';
        }
        fail(p, 'IN must be followed by a parenthesised list');
        return 'err';
      }
      p.i++;
      openParen(p, f);
      return 'ok';
    case 'IS': {
      p.i++;
      if (kw(p.toks[p.i]) === 'NOT') p.i++;
      const a = kw(p.toks[p.i]);
      if (a === 'NULL' || a === 'TRUE' || a === 'FALSE' || a === 'UNKNOWN') {
        p.i++;
        return 'ok';
      }
      if (a === 'DISTINCT' && kw(p.toks[p.i + 1]) === 'FROM') {
        p.i += 2;
        f.operand = true;
        return 'ok';
      }
      fail(p, 'incomplete IS expression');
      return 'err';
    }
    case 'OVER':
      p.i++;
      if (isPunct(p.toks[p.i], '(')) {
        p.stack.push(frame('loose', ')'));
        p.i++;
      } else if (p.toks[p.i]?.kind === 'word') p.i++;
      else {
        fail(p, 'OVER needs a window');
        return 'err';
      }
      return 'ok';
    case 'WITHIN':
      if (n1 === 'GROUP' && isPunct(p.toks[p.i + 2], '(')) {
        p.stack.push(frame('loose', ')'));
        p.i += 3;
        return 'ok';
      }
      return 'end';
    case 'IGNORE':
    case 'RESPECT':
      if (n1 === 'NULLS') {
        p.i += 2;
        return 'ok';
      }
      return 'end';
    case 'FILTER':
      if (isPunct(next, '(')) {
        p.stack.push(frame('loose', ')'));
        p.i += 2;
        return 'ok';
      }
      return 'end';
    default:
      return 'end';
  }
}
