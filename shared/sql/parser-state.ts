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
  error: { index: number; message: string } | null;
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

export function fail(p: ParserState, message: string, index = p.i): false {
  if (p.error === null) p.error = { index, message };
  return false;
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
