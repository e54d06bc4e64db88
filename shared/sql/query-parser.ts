import type { Token } from './lexer.js';
import { isPunct, kw, normalizeIdent } from './names.js';
import { exprStep, skipType } from './parse-expression.js';
import { queryStep } from './parse-query-clauses.js';
import { computeNodeColumns } from './lineage.js';
import { fail, frame } from './parser-state.js';
import type { Frame, ParserState } from './parser-state.js';
import { newNode } from './query-model.js';
import type { QueryNode } from './query-model.js';

export interface QueryParse {
  ok: boolean;
  /** `atEnd`: the text ended before the query was complete (the token is then the last one). */
  error: { token: Token | null; message: string; expected: string; atEnd: boolean } | null;
  root: QueryNode | null;
  /** Every query node, children before parents. */
  nodes: QueryNode[];
  topInto: Token | null;
  forUpdate: Token | null;
  nextval: Token | null;
}

/**
 * Structural check of a Snowflake query (SELECT, WITH … SELECT, parenthesised queries, set
 * operations) with an explicit frame stack, so 50,000 nested parentheses cost memory, not stack.
 * @example parseQuery(lex('SELECT a FROM t').tokens).ok // true
 */
export function parseQuery(toks: Token[]): QueryParse {
  const root = newNode();
  const p: ParserState = { toks, i: 0, stack: [frame('query', null, { node: root })], error: null, nodes: [], topInto: null, forUpdate: null, nextval: null };
  let guard = 0;
  // Every step consumes a token or changes state; this bound only guards against a parser bug looping.
  const limit = toks.length * 8 + 16;
  while (p.error === null && p.i < toks.length) {
    if (++guard > limit) {
      fail(p, 'parser made no progress');
      break;
    }
    const f = p.stack[p.stack.length - 1];
    if (f === undefined) {
      fail(p, 'unexpected text after the end of the query');
      break;
    }
    step(p, f);
  }
  if (p.error === null) finish(p);
  const errTok = p.error === null ? null : (toks[Math.min(p.error.index, toks.length - 1)] ?? null);
  return {
    ok: p.error === null,
    error: p.error === null ? null : { token: errTok, message: p.error.message, expected: p.error.expected, atEnd: p.error.index >= toks.length },
    root: p.error === null ? root : null,
    nodes: p.nodes,
    topInto: p.topInto,
    forUpdate: p.forUpdate,
    nextval: p.nextval,
  };
}

function finish(p: ParserState): void {
  const f = p.stack[p.stack.length - 1];
  if (p.stack.length !== 1 || f === undefined) {
    fail(p, 'unbalanced parenthesis or unterminated construct', p.toks.length);
    return;
  }
  if (!canEnd(f)) {
    fail(p, 'the query is incomplete', p.toks.length);
    return;
  }
  endQuery(p, f);
}

/** A query frame may end here: not waiting for an operand, a source, a CTE or a clause body. */
export function canEnd(f: Frame): boolean {
  if (f.operand && ['item_expr', 'expr', 'on'].includes(f.state)) return false;
  return ['item_expr', 'item_after', 'from_after', 'expr', 'on', 'after_body', 'values_after', 'from_values_after'].includes(f.state);
}

/** Closes a query frame: finalises the select item, computes lineage, hands the node to the parent. */
export function endQuery(p: ParserState, f: Frame): void {
  finishItem(p, f);
  const node = f.node;
  if (node === null) return;
  computeNodeColumns(node);
  p.nodes.push(node);
  const parent = p.stack[p.stack.length - 2];
  if (parent === undefined || f.close === null) return;
  if (f.onClose === 'cte' && parent.node !== null) parent.node.ctes.set(f.cteName, node);
  else if (f.onClose === 'derived' && parent.source !== null) parent.source.node = node;
  else if (f.onClose === 'branch' && parent.core !== null) parent.core.branch = node;
  else if (f.onClose === 'scalar') {
    const holder = p.stack[p.stack.length - 2]?.item ?? null;
    if (holder !== null) {
      holder.complex = true;
      for (const c of node.columns) holder.extra.push(...c.sources, ...(c.star !== undefined ? [{ object: c.star.object, column: '*' }] : []));
    }
  }
}

export function finishItem(p: ParserState, f: Frame): void {
  const item = f.item;
  if (item !== null && f.type === 'query' && f.core !== null) {
    if (item.to < 0) item.to = p.i;
    item.implicitName = implicitName(p.toks.slice(item.from, item.to));
    if (item.star !== null || item.to > item.from) f.core.items.push(item);
    f.item = null;
  }
}

function step(p: ParserState, f: Frame): void {
  const t = p.toks[p.i] as Token;
  if (f.type === 'query') {
    queryStep(p, f);
    return;
  }
  if (f.type === 'loose') {
    if (t.kind === 'punct' && (t.text === '(' || t.text === '[' || t.text === '{')) f.depth++;
    else if (t.kind === 'punct' && (t.text === ')' || t.text === ']' || t.text === '}')) {
      if (f.depth === 0) {
        if (t.text !== f.close) {
          fail(p, `mismatched '${t.text}'`);
          return;
        }
        p.stack.pop();
      } else f.depth--;
    }
    p.i++;
    return;
  }
  if (f.type === 'case') {
    caseStep(p, f, t);
    return;
  }
  listStep(p, f, t);
}

function caseStep(p: ParserState, f: Frame, t: Token): void {
  const w = kw(t);
  if (f.state === 'fresh') {
    f.state = 'body';
    if (w === 'WHEN') {
      p.i++;
      return;
    }
  }
  if (!f.operand) {
    if (w === 'WHEN' || w === 'THEN' || w === 'ELSE') {
      p.i++;
      f.operand = true;
      return;
    }
    if (w === 'END') {
      p.i++;
      p.stack.pop();
      return;
    }
  }
  const r = exprStep(p, f);
  if (r === 'end') fail(p, `unexpected '${t.text}' in CASE`);
}

/** Function arguments, parenthesised expressions and tuples, array and object literals. */
function listStep(p: ParserState, f: Frame, t: Token): void {
  const w = kw(t);
  if (t.kind === 'punct' && t.text === f.close) {
    if (f.operand && (f.count > 0 || f.exprFrom >= 0)) {
      fail(p, `unexpected '${t.text}'`);
      return;
    }
    p.stack.pop();
    p.i++;
    return;
  }
  if (f.operand && f.fn !== '' && f.exprFrom < 0 && (w === 'DISTINCT' || w === 'ALL')) {
    p.i++;
    return;
  }
  if (f.operand && f.exprFrom < 0 && (w === 'SELECT' || w === 'WITH')) {
    if (f.item !== null) f.item.complex = true;
    // A subquery directly inside a list: reuse this frame's closing parenthesis.
    p.stack.pop();
    p.stack.push(frame('query', f.close, { node: newNode(), onClose: 'scalar' }));
    return;
  }
  if (!f.operand) {
    if (isPunct(t, ',') || (f.close === '}' && isPunct(t, ':'))) {
      p.i++;
      f.operand = true;
      f.count++;
      return;
    }
    if (f.fn !== '' && (w === 'AS' || w === 'FROM' || w === 'FOR' || w === 'SEPARATOR' || w === 'USING')) {
      p.i++;
      if (w === 'AS' && (f.fn === 'CAST' || f.fn === 'TRY_CAST')) {
        skipType(p);
        return;
      }
      f.operand = true;
      return;
    }
    // CAST(obj AS OBJECT(…) RENAME FIELDS | ADD FIELDS)
    if ((f.fn === 'CAST' || f.fn === 'TRY_CAST') && (w === 'RENAME' || w === 'ADD') && kw(p.toks[p.i + 1]) === 'FIELDS') {
      p.i += 2;
      return;
    }
    // SEMANTIC_VIEW(name DIMENSIONS … METRICS … FACTS … WHERE …): the clause words separate expression lists.
    if (f.fn === 'SEMANTIC_VIEW' && (w === 'DIMENSIONS' || w === 'METRICS' || w === 'FACTS' || w === 'WHERE')) {
      p.i++;
      f.operand = true;
      f.count++;
      return;
    }
    // `*` as an argument or object-constant entry with modifiers: HASH(* EXCLUDE c), {* ILIKE 'a%'}, OBJECT_CONSTRUCT(* EXCLUDE (a, b)).
    if ((w === 'EXCLUDE' || w === 'ILIKE') && isPunct(p.toks[p.i - 1], '*')) {
      p.i++;
      const a = p.toks[p.i];
      if (isPunct(a, '(')) {
        p.stack.push(frame('loose', ')'));
        p.i++;
      } else if (a !== undefined && (w === 'ILIKE' ? a.kind === 'string' : a.kind === 'word' || a.kind === 'quoted')) p.i++;
      else fail(p, `expected ${w === 'ILIKE' ? 'a pattern string' : 'a column name'} after * ${w}`);
      return;
    }
    if (w === 'ORDER' && kw(p.toks[p.i + 1]) === 'BY') {
      p.i += 2;
      f.operand = true;
      return;
    }
    if (w === 'ASC' || w === 'DESC') {
      p.i++;
      return;
    }
    if (w === 'NULLS' && (kw(p.toks[p.i + 1]) === 'FIRST' || kw(p.toks[p.i + 1]) === 'LAST')) {
      p.i += 2;
      return;
    }
  }
  const r = exprStep(p, f);
  if (r === 'end') fail(p, `unexpected '${t.text}'`);
}

/** Snowflake names an unaliased column after its last identifier part, or the upper-cased expression text. */
function implicitName(toks: Token[]): string {
  const last = toks[toks.length - 1];
  if (last !== undefined && toks.every((t) => t.kind === 'word' || t.kind === 'quoted' || isPunct(t, '.'))) {
    return last.kind === 'quoted' ? normalizeIdent(last) : last.text.toUpperCase();
  }
  let out = '';
  let prevEnd = -1;
  for (const t of toks) {
    if (prevEnd >= 0 && t.start > prevEnd) out += ' ';
    out += t.kind === 'word' ? t.text.toUpperCase() : t.text;
    prevEnd = t.end;
  }
  return out;
}

