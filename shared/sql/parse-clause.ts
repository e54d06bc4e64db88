import { kw } from './names.js';
import { canEnd, endQuery } from './query-parser.js';
import { fail } from './parser-state.js';
import type { Frame, ParserState } from './parser-state.js';

const CLAUSE_RANK: Record<string, number> = {
  INTO: 0.5, FROM: 1, WHERE: 2, START: 3, CONNECT: 3, GROUP: 4, HAVING: 5, QUALIFY: 5, WINDOW: 6,
  ORDER: 7, LIMIT: 8, OFFSET: 9, FETCH: 10, FOR: 11,
};
const SET_OPS = new Set(['UNION', 'MINUS', 'EXCEPT', 'INTERSECT']);

/** Handles a clause keyword, a set operator, or the frame's closing parenthesis. */
export function clauseOrEnd(p: ParserState, f: Frame): void {
  const t = p.toks[p.i];
  if (t === undefined) return;
  const w = kw(t);
  if (t.kind === 'punct' && t.text === f.close) {
    if (!canEnd(f)) {
      fail(p, `unexpected '${t.text}'`);
      return;
    }
    endQuery(p, f);
    p.stack.pop();
    p.i++;
    return;
  }
  if (SET_OPS.has(w)) {
    p.i++;
    const m = kw(p.toks[p.i]);
    if (m === 'ALL' || m === 'DISTINCT') p.i++;
    if (kw(p.toks[p.i]) === 'BY' && kw(p.toks[p.i + 1]) === 'NAME') p.i += 2;
    f.state = 'set_rhs';
    return;
  }
  const rank = CLAUSE_RANK[w];
  if (rank === undefined || (rank < f.rank && !(rank === 5 && f.rank === 5))) {
    fail(p, `unexpected '${t.text}'`);
    return;
  }
  const n1 = kw(p.toks[p.i + 1]);
  f.rank = rank;
  f.operand = true;
  f.exprFrom = -1;
  f.count = 0;
  f.refs = null;
  p.i++;
  switch (w) {
    case 'INTO':
      if (p.topInto === null) p.topInto = t;
      f.state = 'expr';
      return;
    case 'FROM':
      f.state = 'from_source';
      return;
    case 'GROUP':
    case 'ORDER':
      if (n1 !== 'BY') {
        fail(p, `${w} must be followed by BY`);
        return;
      }
      p.i++;
      f.count = 1;
      f.state = 'expr';
      if (w === 'GROUP' && ['ALL'].includes(kw(p.toks[p.i]))) {
        p.i++;
        f.operand = false;
      }
      if (w === 'GROUP' && kw(p.toks[p.i]) === 'GROUPING' && kw(p.toks[p.i + 1]) === 'SETS') p.i++;
      return;
    case 'START':
    case 'CONNECT':
      if (n1 !== (w === 'START' ? 'WITH' : 'BY')) {
        fail(p, `incomplete ${w} clause`);
        return;
      }
      p.i++;
      if (kw(p.toks[p.i]) === 'NOCYCLE') p.i++;
      f.state = 'expr';
      return;
    case 'FETCH':
      if (n1 === 'FIRST' || n1 === 'NEXT') p.i++;
      f.state = 'expr';
      return;
    case 'FOR':
      if (n1 !== 'UPDATE') {
        fail(p, 'unexpected FOR');
        return;
      }
      p.forUpdate = t;
      p.i++;
      f.state = 'after_body';
      return;
    case 'WINDOW':
      f.state = 'window';
      return;
    default:
      f.state = 'expr';
  }
}

