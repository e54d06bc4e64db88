import type { Token } from './lexer.js';
import { isPunct, kw, normalizeIdent } from './names.js';
import { RESERVED } from './parser-state.js';
import type { Position } from './types.js';

/**
 * What the statement's tables hold, from the catalog matched against the policy's column rules.
 * Rules are plain strings here ('redact' | 'partial' | 'pseudonym') so the classifier stays free
 * of the masking module.
 */
export interface ColumnSensitivity {
  /** Rule of an upper-cased column name among the statement's tables (strictest), or undefined. */
  columnRule(name: string): string | undefined;
  /** Some table of the statement has a sensitive column. */
  any: boolean;
  /** Upper-cased table name (last part) → its sensitive columns (upper-cased) and their rule. */
  tables: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Some table of the statement is unknown to the catalog: any of its columns may be sensitive. */
  unknownTable: boolean;
}

/** A sensitive column used where it shapes which rows or groups come back, or their order. */
export interface InferenceUse {
  column: string;
  /** e.g. 'WHERE', 'JOIN … ON', 'ORDER BY', 'OVER (…)', 'table function arguments'. */
  clause: string;
  at: Position;
}

/** A construct whose columns the parse cannot follow (`OBJECT_CONSTRUCT(*)`, `$2`, `t(a, b)` …). */
export interface OpaqueUse {
  construct: string;
  at: Position;
}

export interface ColumnUses {
  inference: InferenceUse[];
  opaque: OpaqueUse[];
  /** The statement reads a table with a sensitive column, an unknown table or an unknown table function. */
  touchesSensitive: boolean;
}

/** At most this many inference uses and opaque constructs are kept per statement. */
const MAX_FINDINGS = 100;

/** Clauses whose uses are outputs (their rule applies) or names, not row/group/order shaping. */
const OUTPUT_CLAUSES = new Set(['SELECT', 'FROM', 'WITH', 'UNION', 'VALUES', 'START']);

/** Table functions whose output columns lineage models (or that read no table): not opaque by themselves. */
const KNOWN_TABLE_FUNCTIONS = new Set([
  'FLATTEN', 'SPLIT_TO_TABLE', 'STRTOK_SPLIT_TO_TABLE', 'GENERATOR', 'RANGE', 'GENERATE_SERIES', 'UNNEST',
  'QUERY_HISTORY', 'QUERY_HISTORY_BY_SESSION', 'QUERY_HISTORY_BY_USER', 'QUERY_HISTORY_BY_WAREHOUSE',
]);

/** Functions that expand or pick columns by pattern or position: the parse cannot say which. */
const OPAQUE_FUNCTIONS = new Set(['COLUMNS', 'UNPACK', 'STAR', 'PATTERN']);

const JOIN_WORDS = new Set(['JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'OUTER', 'CROSS', 'NATURAL', 'ASOF', 'SEMI', 'ANTI', 'POSITIONAL']);
const SOURCE_SUFFIX = new Set(['AT', 'BEFORE', 'CHANGES', 'END', 'SAMPLE', 'TABLESAMPLE', 'BERNOULLI', 'SYSTEM', 'BLOCK', 'ROW', 'REPEATABLE', 'SEED', 'RESERVOIR', 'PERCENT', 'ROWS']);
const SET_OPS = new Set(['UNION', 'EXCEPT', 'INTERSECT', 'MINUS']);

/** Words that are never a column in an expression (checked only when a table is unknown). */
const KEYWORDS = new Set([
  ...RESERVED, 'ASC', 'DESC', 'FIRST', 'LAST', 'INTERVAL', 'ROWS', 'RANGE', 'GROUPS', 'UNBOUNDED', 'PRECEDING', 'FOLLOWING',
  'CURRENT', 'ROW', 'PARTITION', 'DATE', 'TIME', 'TIMESTAMP', 'UNKNOWN', 'SIMILAR', 'TO', 'ONLY', 'TIES', 'NEXT', 'PERCENT',
  'RECURSIVE', 'MATERIALIZED', 'GROUPING', 'SETS', 'CUBE', 'ROLLUP', 'NOCYCLE', 'MEASURES', 'DEFINE', 'PATTERN', 'ONE', 'PER',
  'MATCH', 'SKIP', 'PAST', 'AFTER', 'FINAL', 'RUNNING', 'OMIT', 'EMPTY', 'MATCHES', 'SHOW', 'DAY', 'MONTH', 'YEAR', 'HOUR',
  'MINUTE', 'SECOND', 'WEEK', 'QUARTER', 'CURRENT_DATE', 'CURRENT_TIMESTAMP', 'CURRENT_TIME', 'CURRENT_USER', 'CURRENT_ROLE',
  'LOCALTIME', 'LOCALTIMESTAMP', 'SEMI', 'ANTI', 'POSITIONAL', 'BY',
]);

/** Tokens after which the next word is an alias, not a column (`SELECT a b`, `x) AS y`). */
function endsOperand(t: Token | undefined): boolean {
  if (t === undefined) return false;
  if (t.kind === 'quoted' || t.kind === 'string' || t.kind === 'number' || t.kind === 'dollar') return true;
  if (t.kind === 'word') return !KEYWORDS.has(kw(t)) || ['END', 'NULL', 'TRUE', 'FALSE'].includes(kw(t));
  return t.kind === 'punct' && (t.text === ')' || t.text === ']' || t.text === '}');
}

interface Frame {
  /** A query (or a parenthesised join): clause keywords apply at this level. */
  query: boolean;
  clause: string;
  /** Every use inside is an inference use (a subquery in WHERE, an OVER (…) …). */
  inference: boolean;
  /** The outer clause that made this frame an inference context, for reasons (`EMAIL used in LIMIT`). */
  via: string | null;
  close: string;
  /** FROM bookkeeping. */
  expectSource: boolean;
  lastBase: string | null;
  pendingFn: string | null;
  aliasList: boolean;
  /** TABLE( … ) wrapper around a table function. */
  tableWrapper: boolean;
  /** Select-list item of a query frame: first token, sensitive rule seen in it. */
  itemStart: number;
  itemRule: string | null;
  /** A query frame closed with some sensitive item: its parent's item is sensitive too. */
  anySensitiveItem: boolean;
  /** The function whose arguments this frame holds ('' for none), or the bracket for `[` / `{`. */
  fn: string;
  /** The innermost query frame holding this one (itself for a query frame). */
  owner: Frame | null;
}

function newFrame(init: Partial<Frame>): Frame {
  return {
    query: false, clause: 'SELECT', inference: false, via: null, close: ')', expectSource: false, lastBase: null, pendingFn: null,
    aliasList: false, tableWrapper: false, itemStart: -1, itemRule: null, anySensitiveItem: false, fn: '', owner: null, ...init,
  };
}

const at = (t: Token): Position => ({ line: t.line, column: t.column, offset: t.start });

/** The stricter of two rule names (redact > pseudonym > partial; anything unknown counts as redact). */
function stricter(a: string | null, b: string | null): string | null {
  const order = ['redact', 'pseudonym', 'partial'];
  if (a === null) return b;
  if (b === null) return a;
  const ia = order.indexOf(a);
  const ib = order.indexOf(b);
  return (ia < 0 ? 0 : ia) <= (ib < 0 ? 0 : ib) ? a : b;
}

interface WalkState {
  toks: Token[];
  sens: ColumnSensitivity;
  /** Output aliases of items that hold sensitive data → rule ('redact' when derived). */
  aliases: Map<string, string>;
  cteNames: Set<string>;
  fromWords: Set<string>;
  baseAliases: Map<string, string>;
  out: ColumnUses;
  exempt: Set<number>;
  opaqueTableFn: boolean;
  /** Set by a helper that consumed several tokens: the loop continues after this index. */
  skipTo?: number | undefined;
}

/**
 * Where each sensitive column of one statement is used (the principle "a masked column can only be
 * read as itself", docs/masking.md): outputs are left to lineage; every use that shapes which rows
 * or groups come back, or their order, is an inference use; constructs the parse cannot follow are
 * opaque. A single forward pass over the tokens with a frame stack (no recursion), run until the
 * aliases of sensitive items stop growing, so `WITH t AS (SELECT email AS e …) … WHERE e …` is seen.
 *
 * @example
 * analyzeColumnUses(lex("SELECT id FROM customers WHERE ssn LIKE '1%'").tokens, sensitivity).inference
 * // [{ column: 'SSN', clause: 'WHERE', at: { line: 1, column: 32, offset: 31 } }]
 */
export function analyzeColumnUses(toks: Token[], sens: ColumnSensitivity): ColumnUses {
  const aliases = new Map<string, string>();
  const names: Names = { cteNames: new Set(), fromWords: new Set(), baseAliases: new Map() };
  let state: WalkState | null = null;
  // Names are learnt across passes: `SELECT c … FROM customers c` names c after using it.
  for (let pass = 0; pass < 6; pass++) {
    const before = aliases.size + names.fromWords.size + names.cteNames.size;
    state = walk(toks, sens, aliases, names);
    if (aliases.size + names.fromWords.size + names.cteNames.size === before && pass > 0) break;
  }
  const s = state as WalkState;
  const touches = sens.any || sens.unknownTable || s.opaqueTableFn;
  if (!touches) return { inference: [], opaque: [], touchesSensitive: false };
  return s.out;
}

interface Names {
  cteNames: Set<string>;
  fromWords: Set<string>;
  baseAliases: Map<string, string>;
}

function walk(toks: Token[], sens: ColumnSensitivity, aliases: Map<string, string>, names: Names): WalkState {
  const s: WalkState = {
    toks, sens, aliases, ...names,
    out: { inference: [], opaque: [], touchesSensitive: true }, exempt: new Set(), opaqueTableFn: false,
  };
  const stack: Frame[] = [newFrame({ query: true, clause: 'START', close: '' })];
  // Bounded lists: a decision needs the first few; hostile texts with 50,000 uses must stay linear.
  const seenOpaque = new Set<number>();
  const opaque = (construct: string, t: Token): void => {
    if (seenOpaque.has(t.start) || s.out.opaque.length >= MAX_FINDINGS) return;
    seenOpaque.add(t.start);
    s.out.opaque.push({ construct, at: at(t) });
  };
  const inferenceUse = (column: string, clause: string, t: Token): void => {
    if (s.out.inference.length < MAX_FINDINGS) s.out.inference.push({ column, clause, at: at(t) });
  };
  (stack[0] as Frame).owner = stack[0] as Frame;
  const queryOf = (): Frame => (stack[stack.length - 1] as Frame).owner ?? (stack[0] as Frame);

  const finishItem = (q: Frame, end: number): void => {
    if (q.clause !== 'SELECT' || q.itemStart < 0) return;
    const rule = q.itemRule;
    if (rule !== null) {
      q.anySensitiveItem = true;
      const last = toks[end - 1];
      const before = toks[end - 2];
      const hasAlias = last !== undefined && (last.kind === 'word' || last.kind === 'quoted') && !KEYWORDS.has(kw(last)) && end - 1 > q.itemStart &&
        (kw(before) === 'AS' || (endsOperand(before) && !isPunct(toks[end - 2], '.')));
      const exprEnd = hasAlias ? (kw(before) === 'AS' ? end - 2 : end - 1) : end;
      let plain = exprEnd > q.itemStart;
      for (let k = q.itemStart; k < exprEnd; k++) {
        const t = toks[k] as Token;
        if (!(t.kind === 'word' || t.kind === 'quoted' || isPunct(t, '.'))) plain = false;
      }
      if (hasAlias && last !== undefined) {
        const name = normalizeIdent(last).toUpperCase();
        s.aliases.set(name, stricter(s.aliases.get(name) ?? null, plain ? rule : 'redact') ?? 'redact');
      }
    }
    q.itemStart = -1;
    q.itemRule = null;
  };

  const setClause = (q: Frame, clause: string, i: number): void => {
    finishItem(q, i);
    q.clause = clause;
    q.expectSource = clause === 'FROM';
    if (clause === 'SELECT') {
      q.itemStart = i + 1;
      q.itemRule = null;
    }
  };

  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Token;
    const f = stack[stack.length - 1] as Frame;
    const prev = toks[i - 1];
    const next = toks[i + 1];
    const w = kw(t);

    if (t.kind === 'punct' && (t.text === '(' || t.text === '[' || t.text === '{')) {
      const child = openFrame(s, f, i, opaque);
      child.owner = child.query ? child : f.owner;
      stack.push(child);
      continue;
    }
    if (t.kind === 'punct' && (t.text === ')' || t.text === ']' || t.text === '}')) {
      if (stack.length > 1) {
        if (f.query) finishItem(f, i);
        stack.pop();
        const parent = stack[stack.length - 1] as Frame;
        if (f.query && f.anySensitiveItem) {
          const pq = queryOf();
          if (pq.clause === 'SELECT' && pq.itemStart >= 0) pq.itemRule = stricter(pq.itemRule, 'redact');
        }
        if (parent.query && parent.clause === 'FROM') {
          parent.expectSource = false;
          parent.lastBase = null;
        }
      }
      continue;
    }
    if (t.kind === 'variable' && /^\$\d+$/.test(t.text)) {
      opaque(`positional column ${t.text}`, t);
      continue;
    }
    if (isPunct(t, '*')) {
      starUse(s, f, i, opaque);
      continue;
    }
    if (f.query && clauseKeyword(s, f, i, setClause, opaque, inferenceUse)) {
      i = s.skipTo ?? i;
      s.skipTo = undefined;
      continue;
    }
    if (f.query && isPunct(t, ',')) {
      if (f.clause === 'SELECT') {
        finishItem(f, i);
        f.itemStart = i + 1;
      } else if (f.clause === 'FROM' || f.clause === 'JOIN … ON') {
        f.clause = 'FROM';
        f.expectSource = true;
        f.lastBase = null;
      } else if (f.clause === 'WITH') {
        // next CTE name follows
      }
      continue;
    }
    if (t.kind !== 'word' && t.kind !== 'quoted') {
      if (t.kind === 'number' && f.query && (f.clause === 'ORDER BY' || f.clause === 'GROUP BY') && (kw(prev) === 'BY' || isPunct(prev, ','))) {
        inferenceUse(`output column ${t.text}`, f.clause, t);
      }
      continue;
    }
    // FROM: table names, table functions and aliases.
    if (f.clause === 'FROM') {
      // Words inside AT (…), SAMPLE (…) or an alias list are no columns of the query.
      if (!(f.query || f.tableWrapper)) continue;
      fromWord(s, f, i);
      i = s.skipTo ?? i;
      s.skipTo = undefined;
      continue;
    }
    if (f.clause === 'WITH' && f.query) {
      if (t.kind === 'quoted' || !KEYWORDS.has(w)) {
        s.cteNames.add(normalizeIdent(t).toUpperCase());
        if (isPunct(next, '(')) opaque(`the column list of ${normalizeIdent(t)}`, t);
      }
      continue;
    }
    identifier(s, f, i, queryOf(), opaque, inferenceUse);
  }
  return s;
}

type Report = (what: string, t: Token) => void;
type Use = (column: string, clause: string, t: Token) => void;


function openFrame(s: WalkState, f: Frame, i: number, opaque: Report): Frame {
  const toks = s.toks;
  const t = toks[i] as Token;
  const close = t.text === '(' ? ')' : t.text === '[' ? ']' : '}';
  const prev = toks[i - 1];
  const pk = kw(prev);
  const nk = kw(toks[i + 1]);
  const inferenceHere = f.inference || !OUTPUT_CLAUSES.has(f.clause);
  const via = f.inference ? f.via : OUTPUT_CLAUSES.has(f.clause) ? null : f.clause;
  if (t.text === '(' && (nk === 'SELECT' || nk === 'WITH' || nk === 'VALUES' || nk === 'FROM')) {
    return newFrame({ query: true, clause: 'START', inference: inferenceHere, via, close });
  }
  if (t.text !== '(') return newFrame({ clause: f.clause, inference: inferenceHere, via, close, fn: t.text });
  if ((f.query || f.tableWrapper) && f.clause === 'FROM') {
    if (f.pendingFn !== null) {
      const name = f.pendingFn;
      f.pendingFn = null;
      if (name === 'TABLE') return newFrame({ clause: 'FROM', tableWrapper: true, expectSource: true, close });
      if (!KNOWN_TABLE_FUNCTIONS.has(name)) {
        s.opaqueTableFn = true;
        opaque(`table function ${name}, whose columns Airlock cannot follow`, prev ?? t);
      }
      f.expectSource = false;
      return newFrame({ clause: 'table function arguments', inference: true, close });
    }
    if (f.aliasList) {
      f.aliasList = false;
      opaque('a column alias list', t);
      return newFrame({ clause: 'FROM', inference: true, close });
    }
    if (SOURCE_SUFFIX.has(pk)) return newFrame({ clause: 'FROM', inference: true, close });
    if (pk === 'PIVOT' || pk === 'UNPIVOT' || pk === 'MATCH_RECOGNIZE') return newFrame({ clause: pk, inference: true, close });
    if (pk === 'MATCH_CONDITION') return newFrame({ clause: 'MATCH_CONDITION', inference: true, close });
    if (pk === 'USING') return newFrame({ clause: 'USING', inference: true, close });
    // A parenthesised join: its sources belong to this FROM.
    return newFrame({ query: true, clause: 'FROM', expectSource: true, inference: f.inference, close });
  }
  if (pk === 'OVER') return newFrame({ clause: 'OVER (…)', inference: true, close });
  if (pk === 'FILTER') return newFrame({ clause: 'FILTER (…)', inference: true, close });
  if (pk === 'GROUP' && kw(toks[i - 2]) === 'WITHIN') return newFrame({ clause: 'WITHIN GROUP (…)', inference: true, close });
  if (pk === 'PIVOT' || pk === 'UNPIVOT' || pk === 'MATCH_RECOGNIZE' || pk === 'USING' || pk === 'MATCH_CONDITION') {
    return newFrame({ clause: pk, inference: true, close });
  }
  if (pk === 'ON' && kw(toks[i - 2]) === 'DISTINCT') return newFrame({ clause: 'DISTINCT ON', inference: true, close });
  if (prev !== undefined && prev.kind === 'word' && OPAQUE_FUNCTIONS.has(pk)) opaque(`${pk}(…), which picks columns by pattern`, prev);
  return newFrame({ clause: f.clause, inference: inferenceHere, via, close, fn: prev?.kind === 'word' ? pk : '' });
}

/** `*` as an operand inside a function or constructor expands every column where the parse cannot follow it. */
function starUse(s: WalkState, f: Frame, i: number, opaque: Report): void {
  const toks = s.toks;
  const prev = toks[i - 1];
  const next = toks[i + 1];
  if (endsOperand(prev) && !isPunct(prev, ')')) {
    // multiplication, unless `t.*`
    if (!isPunct(toks[i - 1], '.')) return;
  }
  if (isPunct(prev, ')') || isPunct(prev, ']')) return;
  if (f.query) {
    const nk = kw(next);
    if (nk === 'REPLACE' || nk === 'RENAME') opaque(`* ${nk} (…), which gives a column another column's name or value`, next as Token);
    return;
  }
  // Inside a function, brackets or braces.
  if (isPunct(prev, '(') && kw(toks[i - 2]) === 'COUNT' && isPunct(next, ')')) return;
  const fn = f.fn;
  opaque(`* inside ${fn === '' ? 'an expression' : `${fn}(…)`}, which expands columns the parse cannot follow`, toks[i] as Token);
}

function clauseKeyword(
  s: WalkState,
  f: Frame,
  i: number,
  setClause: (q: Frame, clause: string, i: number) => void,
  opaque: Report,
  use: Use,
): boolean {
  const toks = s.toks;
  const t = toks[i] as Token;
  if (t.kind !== 'word') return false;
  const w = kw(t);
  const n1 = kw(toks[i + 1]);
  const touches = s.sens.any || s.sens.unknownTable;
  switch (w) {
    case 'SELECT':
      setClause(f, 'SELECT', i);
      // DISTINCT / ALL / TOP n are modifiers, not items.
      for (let k = i + 1; ; k++) {
        const m = kw(toks[k]);
        if (m === 'DISTINCT' || m === 'ALL') f.itemStart = k + 1;
        else if (m === 'TOP' && toks[k + 1]?.kind === 'number') {
          f.itemStart = k + 2;
          k++;
        } else if (m === 'ON' && isPunct(toks[k + 1], '(')) break;
        else break;
      }
      return true;
    case 'WITH':
      if (f.clause === 'START') {
        setClause(f, 'WITH', i);
        return true;
      }
      return false;
    case 'FROM':
      if (f.clause === 'SELECT' || f.clause === 'START' || f.clause === 'WITH') {
        setClause(f, 'FROM', i);
        return true;
      }
      return false;
    case 'WHERE':
    case 'HAVING':
    case 'QUALIFY':
    case 'WINDOW':
    case 'LIMIT':
    case 'OFFSET':
    case 'FETCH':
      setClause(f, w === 'OFFSET' || w === 'FETCH' ? 'LIMIT' : w, i);
      return true;
    case 'GROUP':
    case 'ORDER':
    case 'CONNECT':
      if (n1 !== 'BY') return false;
      setClause(f, `${w} BY`, i);
      s.skipTo = i + 1;
      if (kw(toks[i + 2]) === 'ALL' && touches) use('every output column', `${w} BY ALL`, toks[i + 2] as Token);
      return true;
    case 'START':
      if (n1 !== 'WITH') return false;
      setClause(f, 'START WITH', i);
      s.skipTo = i + 1;
      return true;
    case 'VALUES':
      if (f.clause === 'START' || f.clause === 'UNION') {
        setClause(f, 'VALUES', i);
        return true;
      }
      return false;
    case 'ON':
      if (f.clause === 'FROM') {
        finishSource(f);
        f.clause = 'JOIN … ON';
        return true;
      }
      return false;
    case 'USING':
      if (f.clause === 'FROM') {
        finishSource(f);
        return true;
      }
      return false;
    case 'NATURAL':
      if (f.clause === 'FROM' || f.clause === 'JOIN … ON') {
        if (touches) use('every same-named column', 'NATURAL JOIN', t);
        f.clause = 'FROM';
        return true;
      }
      return false;
    case 'PIVOT':
    case 'UNPIVOT':
    case 'MATCH_RECOGNIZE':
      if (isPunct(toks[i + 1], '(') || ['INCLUDE', 'EXCLUDE'].includes(n1)) {
        opaque(`${w}, whose output columns Airlock cannot follow`, t);
        return true;
      }
      return false;
    default:
      break;
  }
  if (SET_OPS.has(w)) {
    setClause(f, 'UNION', i);
    let k = i + 1;
    if (['ALL', 'DISTINCT'].includes(kw(toks[k]))) k++;
    if (kw(toks[k]) === 'BY' && kw(toks[k + 1]) === 'NAME') {
      opaque(`${w} … BY NAME, which matches columns by name`, t);
      k += 2;
    }
    s.skipTo = k - 1;
    return true;
  }
  if ((f.clause === 'JOIN … ON' || f.clause === 'FROM') && JOIN_WORDS.has(w)) {
    f.clause = 'FROM';
    if (w === 'JOIN') {
      f.expectSource = true;
      f.lastBase = null;
    }
    return true;
  }
  return false;
}

function finishSource(f: Frame): void {
  f.expectSource = false;
  f.lastBase = null;
}

/** A word in FROM: a source name (table, CTE, table function) or an alias. */
function fromWord(s: WalkState, f: Frame, i: number): void {
  const toks = s.toks;
  const t = toks[i] as Token;
  const w = kw(t);
  if (t.kind === 'word' && (w === 'LATERAL' || SOURCE_SUFFIX.has(w) || w === 'AS' || w === 'INCLUDE' || w === 'EXCLUDE' || w === 'NULLS')) {
    if (w === 'LATERAL') f.expectSource = true;
    return;
  }
  if (f.expectSource) {
    const parts: string[] = [];
    let k = i;
    for (;;) {
      const a = toks[k] as Token;
      parts.push(normalizeIdent(a).toUpperCase());
      if (isPunct(toks[k + 1], '.') && (toks[k + 2]?.kind === 'word' || toks[k + 2]?.kind === 'quoted')) k += 2;
      else if (isPunct(toks[k + 1], '.') && isPunct(toks[k + 2], '.') && (toks[k + 3]?.kind === 'word' || toks[k + 3]?.kind === 'quoted')) k += 3;
      else break;
    }
    const last = parts[parts.length - 1] as string;
    s.skipTo = k;
    f.expectSource = false;
    if (isPunct(toks[k + 1], '(')) {
      f.pendingFn = last;
      return;
    }
    s.fromWords.add(last);
    const cte = parts.length === 1 && s.cteNames.has(last);
    f.lastBase = cte ? null : last;
    if (!cte) s.baseAliases.set(last, last);
    return;
  }
  if (t.kind === 'word' && (RESERVED.has(w) || JOIN_WORDS.has(w))) return;
  const alias = normalizeIdent(t).toUpperCase();
  s.fromWords.add(alias);
  if (f.lastBase !== null) s.baseAliases.set(alias, f.lastBase);
  f.lastBase = null;
  if (isPunct(toks[i + 1], '(')) f.aliasList = true;
}

/** A word or quoted name outside FROM and WITH: a column, a qualifier, an alias or a keyword. */
function identifier(s: WalkState, f: Frame, i: number, q: Frame, opaque: Report, use: Use): void {
  const toks = s.toks;
  const t = toks[i] as Token;
  const prev = toks[i - 1];
  const next = toks[i + 1];
  const w = kw(t);
  if (t.kind === 'word' && isPunct(next, '(')) return; // a function name
  if (t.kind === 'word' && RESERVED.has(w)) return;
  if (t.kind === 'word' && next?.kind === 'string') return; // DATE '…'
  if (kw(prev) === 'AS' || isPunct(prev, '::')) return; // an alias being defined, or a type
  if (f.query && f.clause === 'SELECT' && endsOperand(prev) && !isPunct(prev, '.')) return; // implicit alias
  if (isPunct(next, '=>')) return; // named argument
  const name = normalizeIdent(t).toUpperCase();
  const qualifier = isPunct(next, '.') && !isPunct(prev, '.');
  if (qualifier && s.fromWords.has(name)) return;
  if (!qualifier && !isPunct(prev, '.') && s.fromWords.has(name) && s.sens.columnRule(name) === undefined && !s.aliases.has(name)) {
    opaque(`${normalizeIdent(t)} as a value (a whole row)`, t);
    return;
  }
  // A sensitive column may carry a keyword's name (DATE, NAME …); an unknown table's columns are guessed among non-keywords.
  const rule = s.sens.columnRule(name) ?? s.aliases.get(name) ?? (s.sens.unknownTable && !(t.kind === 'word' && KEYWORDS.has(w)) ? 'unknown' : undefined);
  if (rule === undefined) return;
  const inference = f.inference || !OUTPUT_CLAUSES.has(f.clause);
  if (!inference) {
    if (q.clause === 'SELECT' && q.itemStart >= 0) q.itemRule = stricter(q.itemRule, rule === 'unknown' ? 'redact' : rule);
    return;
  }
  if (s.exempt.has(i)) return;
  if (qualifier) return; // the column is the chain's last part
  if (pseudonymEquality(s, i)) return;
  use(normalizeIdent(t), f.inference && f.via !== null && OUTPUT_CLAUSES.has(f.clause) ? `a subquery in ${f.via}` : f.clause, t);
}

/** `a.col = b.col`, both base-table columns under the pseudonym rule: reveals no more than the pseudonyms. */
function pseudonymEquality(s: WalkState, i: number): boolean {
  const toks = s.toks;
  const left = chainAt(toks, i, -1);
  if (left === null || !isPunct(toks[i + 1], '=')) return false;
  const right = chainAt(toks, i + 2, 1);
  if (right === null) return false;
  const before = toks[left.start - 1];
  const after = toks[right.end + 1];
  const okBefore = ['ON', 'WHERE', 'AND', 'OR', 'HAVING'].includes(kw(before)) || isPunct(before, '(');
  const okAfter = after === undefined || after.kind === 'semicolon' || isPunct(after, ')') || isPunct(after, ',') ||
    ['AND', 'OR', 'WHERE', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'NATURAL', 'GROUP', 'ORDER', 'LIMIT', 'HAVING', 'QUALIFY', 'UNION', 'EXCEPT', 'INTERSECT', 'MINUS', 'WINDOW', 'OFFSET', 'FETCH', 'ASOF', 'LATERAL'].includes(kw(after));
  if (!okBefore || !okAfter) return false;
  const ruleOf = (c: { qual: string; col: string }): string | undefined => {
    const table = s.baseAliases.get(c.qual);
    return table === undefined ? undefined : s.sens.tables.get(table)?.get(c.col);
  };
  if (ruleOf(left) !== 'pseudonym' || ruleOf(right) !== 'pseudonym') return false;
  s.exempt.add(right.end);
  return true;
}

/** A two-part `qual.col` chain ending (dir -1) or starting (dir 1) at i. */
function chainAt(toks: Token[], i: number, dir: -1 | 1): { start: number; end: number; qual: string; col: string } | null {
  const isName = (t: Token | undefined): boolean => t !== undefined && (t.kind === 'quoted' || (t.kind === 'word' && !KEYWORDS.has(kw(t))));
  const [a, b] = dir === -1 ? [i - 2, i] : [i, i + 2];
  if (!isName(toks[a]) || !isPunct(toks[a + 1], '.') || !isName(toks[b])) return null;
  if (isPunct(toks[a - 1], '.') || isPunct(toks[b + 1], '.')) return null;
  return { start: a, end: b, qual: normalizeIdent(toks[a] as Token).toUpperCase(), col: normalizeIdent(toks[b] as Token).toUpperCase() };
}
