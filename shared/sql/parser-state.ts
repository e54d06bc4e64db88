import type { Token } from './lexer.js';
import type { ColRef, QueryNode, SelectCore, SelectItem, SourceRef } from './query-model.js';

export type FrameType = 'query' | 'list' | 'case' | 'loose';

/** What the parent does with a child query when it closes. */
export type OnClose = 'none' | 'cte' | 'derived' | 'branch' | 'scalar';

/** One open construct. The parser keeps these on an explicit stack: it never recurses. */
export interface Frame {
  type: FrameType;
  /** Closing punctuation, 'END' for CASE, null for the statement itself. */
  close: string | null;
  state: string;
  /** Expression machine: true while an operand is expected. */
  operand: boolean;
  rank: number;
  node: QueryNode | null;
  core: SelectCore | null;
  item: SelectItem | null;
  source: SourceRef | null;
  refs: ColRef[] | null;
  depth: number;
  count: number;
  fn: string;
  onClose: OnClose;
  cteName: string;
  joinGroup: boolean;
  /** Index of the first token of the current expression. */
  exprFrom: number;
}

export interface ParserState {
  toks: Token[];
  i: number;
  stack: Frame[];
  error: { index: number; message: string; expected: string } | null;
  nodes: QueryNode[];
  topInto: Token | null;
  forUpdate: Token | null;
  nextval: Token | null;
}

export function frame(type: FrameType, close: string | null, init: Partial<Frame> = {}): Frame {
  return {
    type,
    close,
    state: 'start',
    operand: true,
    rank: 0,
    node: null,
    core: null,
    item: null,
    source: null,
    refs: null,
    depth: 0,
    count: 0,
    fn: '',
    onClose: 'none',
    cteName: '',
    joinGroup: false,
    exprFrom: -1,
    ...init,
  };
}

export function fail(p: ParserState, message: string, index = p.i, expected?: string): false {
  if (p.error === null) p.error = { index, message, expected: expected ?? expectedAt(p.stack[p.stack.length - 1]) };
  return false;
}

const NEXT_CLAUSE = 'the next clause (FROM, WHERE, GROUP BY, HAVING, QUALIFY, ORDER BY, LIMIT) or the end of the query';

/** What the grammar accepts in the state of the innermost open construct, for `classify --explain`. */
export function expectedAt(f: Frame | undefined): string {
  if (f === undefined) return 'the end of the query';
  if (f.type === 'loose') return `balanced text up to '${f.close ?? ''}'`;
  if (f.type === 'case') return f.operand ? 'an expression' : 'an operator, WHEN, THEN, ELSE or END';
  if (f.type === 'list') {
    if (f.operand) return 'an expression';
    const extra = f.fn === 'CAST' || f.fn === 'TRY_CAST' ? ', AS type' : f.fn === 'SEMANTIC_VIEW' ? ', DIMENSIONS, METRICS, FACTS, WHERE' : '';
    return `an operator, ','${extra} or '${f.close ?? ''}'`;
  }
  switch (f.state) {
    case 'start':
    case 'set_rhs':
      return "SELECT, WITH, VALUES or '('";
    case 'with_name':
      return 'a CTE name';
    case 'with_as':
      return 'AS ( query ) or a column list';
    case 'with_next':
      return "',' and another CTE, or SELECT";
    case 'select_mods':
    case 'item_start':
      return 'a select-list item (expression or *)';
    case 'item_expr':
      return f.operand ? 'an expression' : `an operator, [AS] alias, ',' or ${NEXT_CLAUSE}`;
    case 'item_after':
      return `',' or ${NEXT_CLAUSE}`;
    case 'from_source':
      return 'a table, view, subquery, table function, VALUES or stage';
    case 'from_after':
    case 'from_values_after':
      return `an alias, JOIN, ON/USING, ',', AT/BEFORE/CHANGES, SAMPLE, PIVOT/UNPIVOT, MATCH_RECOGNIZE or ${NEXT_CLAUSE}`;
    case 'on':
      return f.operand ? 'an expression' : `an operator, JOIN or ${NEXT_CLAUSE}`;
    case 'expr':
      return f.operand ? 'an expression' : `an operator, ',' or ${NEXT_CLAUSE}`;
    case 'values':
    case 'from_values':
      return "a parenthesised row '( … )'";
    case 'window':
      return 'name AS ( window specification )';
    default:
      return NEXT_CLAUSE;
  }
}

/** Keywords that can never be a bare identifier or alias in a query. */
export const RESERVED = new Set([
  'SELECT', 'FROM', 'WHERE', 'GROUP', 'HAVING', 'QUALIFY', 'ORDER', 'LIMIT', 'UNION', 'MINUS', 'EXCEPT',
  'INTERSECT', 'JOIN', 'ON', 'USING', 'AS', 'AND', 'OR', 'IN', 'IS', 'LIKE', 'ILIKE', 'RLIKE', 'BETWEEN',
  'WHEN', 'THEN', 'ELSE', 'END', 'INTO', 'WITH', 'BY', 'INNER', 'OUTER', 'CROSS', 'NATURAL', 'FULL',
  'CONNECT', 'START', 'FETCH', 'OFFSET', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'CREATE', 'DROP', 'ALTER',
  'GRANT', 'REVOKE', 'DISTINCT', 'ALL', 'SOME', 'ANY', 'ESCAPE', 'REGEXP', 'NOT', 'TABLESAMPLE', 'SAMPLE',
  'PIVOT', 'UNPIVOT', 'QUALIFY', 'WINDOW', 'LATERAL', 'ASOF', 'MATCH_CONDITION', 'MATCH_RECOGNIZE',
  'CHANGES', 'FOR', 'VALUES', 'TOP', 'OVER', 'COLLATE', 'EXCLUDE', 'RENAME', 'REPLACE', 'ILIKE', 'AT',
  'BEFORE', 'LEFT', 'RIGHT', 'CASE', 'SET', 'CALL', 'EXECUTE', 'PRIOR', 'EXISTS', 'NULLS', 'NULL', 'TRUE', 'FALSE',
]);

/** Reserved words that still start an operand (function names or literals). */
export const OPERAND_KEYWORDS = new Set(['LEFT', 'RIGHT', 'ANY', 'ALL', 'SOME', 'REPLACE', 'AT', 'BEFORE', 'VALUES', 'SET', 'INSERT', 'FOR', 'CHANGES']);
