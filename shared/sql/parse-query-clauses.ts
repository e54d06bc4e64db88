import { isPunct, kw, normalizeIdent } from './names.js';
import { exprStep } from './parse-expression.js';
import { fromStep } from './parse-from.js';
import { finishItem } from './query-parser.js';
import { clauseOrEnd } from './parse-clause.js';
import { fail, frame, RESERVED } from './parser-state.js';
import type { Frame, ParserState } from './parser-state.js';
import { newCore, newNode } from './query-model.js';

/** One step of a query frame's clause machine. */
export function queryStep(p: ParserState, f: Frame): void {
  const t = p.toks[p.i];
  if (t === undefined) return;
  const w = kw(t);
  switch (f.state) {
    case 'start':
    case 'set_rhs':
      if (w === 'SELECT') {
        p.i++;
        startCore(f);
        f.state = 'select_mods';
      } else if (w === 'WITH' && f.state === 'start') {
        p.i++;
        if (kw(p.toks[p.i]) === 'RECURSIVE') p.i++;
        f.state = 'with_name';
      } else if (isPunct(t, '(')) {
        startCore(f);
        f.state = 'after_body';
        p.stack.push(frame('query', ')', { node: newNode(), onClose: 'branch' }));
        p.i++;
      } else if (w === 'VALUES') {
        p.i++;
        startCore(f);
        f.state = 'values';
      } else fail(p, `expected SELECT but found '${t.text}'`);
      return;
    case 'values':
      if (isPunct(t, '(')) {
        p.stack.push(frame('list', ')', { fn: 'VALUES' }));
        p.i++;
        f.state = 'values_after';
      } else fail(p, 'VALUES needs a parenthesised row');
      return;
    case 'values_after':
      if (isPunct(t, ',')) {
        p.i++;
        f.state = 'values';
      } else afterBody(p, f);
      return;
    case 'with_name':
      if (t.kind === 'word' || t.kind === 'quoted') {
        f.cteName = normalizeIdent(t);
        p.i++;
        f.state = 'with_as';
      } else fail(p, 'expected a CTE name after WITH');
      return;
    case 'with_as':
      if (isPunct(t, '(') && (kw(p.toks[p.i + 1]) === 'SELECT' || kw(p.toks[p.i + 1]) === 'WITH')) {
        // WITH t (SELECT …): the AS is optional.
        p.i++;
        f.node?.ctes.set(f.cteName, null);
        f.state = 'with_next';
        p.stack.push(frame('query', ')', { node: newNode(), onClose: 'cte', cteName: f.cteName }));
      } else if (isPunct(t, '(')) {
        p.stack.push(frame('loose', ')'));
        p.i++;
      } else if (w === 'AS' && kw(p.toks[p.i + 1]) === 'MODEL') {
        // WITH alias AS MODEL name VERSION v: a model version alias for model methods (alias!method(…)).
        p.i += 2;
        if (!skipName(p)) return;
        if (kw(p.toks[p.i]) !== 'VERSION') {
          fail(p, 'expected VERSION after WITH … AS MODEL name');
          return;
        }
        p.i++;
        if (!skipName(p)) return;
        f.state = 'with_next';
      } else if (w === 'AS' && isPunct(p.toks[p.i + 1], '(')) {
        p.i += 2;
        f.node?.ctes.set(f.cteName, null);
        f.state = 'with_next';
        p.stack.push(frame('query', ')', { node: newNode(), onClose: 'cte', cteName: f.cteName }));
      } else fail(p, 'expected AS ( … ) in WITH');
      return;
    case 'with_next':
      if (isPunct(t, ',')) {
        p.i++;
        f.state = 'with_name';
      } else if (w === 'SELECT' || isPunct(t, '(')) f.state = 'start';
      else fail(p, `expected SELECT after WITH but found '${t.text}'`);
      return;
    case 'select_mods':
      if (w === 'DISTINCT' || w === 'ALL') p.i++;
      else if (w === 'TOP' && p.toks[p.i + 1]?.kind === 'number') p.i += 2;
      else f.state = 'item_start';
      return;
    case 'item_start':
      startItem(p, f);
      return;
    case 'item_expr': {
      const r = exprStep(p, f);
      if (r !== 'end') return;
      if (f.operand) {
        fail(p, `unexpected '${t.text}' in the select list`);
        return;
      }
      if (f.item !== null) f.item.to = p.i;
      if (w === 'AS') {
        const a = p.toks[p.i + 1];
        if (a === undefined || (a.kind !== 'word' && a.kind !== 'quoted' && a.kind !== 'string')) {
          fail(p, 'expected an alias after AS');
          return;
        }
        if (f.item !== null) f.item.alias = a.kind === 'string' ? a.text.slice(1, -1) : normalizeIdent(a);
        p.i += 2;
        f.state = 'item_after';
        return;
      }
      if (t.kind === 'quoted' || (t.kind === 'word' && !RESERVED.has(w))) {
        if (f.item !== null) f.item.alias = normalizeIdent(t);
        p.i++;
        f.state = 'item_after';
        return;
      }
      afterItem(p, f);
      return;
    }
    case 'item_after':
      afterItem(p, f);
      return;
    case 'expr':
    case 'on': {
      const r = exprStep(p, f);
      if (r !== 'end') return;
      if (f.operand) {
        fail(p, `unexpected '${t.text}'`);
        return;
      }
      if (isPunct(t, ',') && f.count === 1) {
        p.i++;
        f.operand = true;
        f.exprFrom = -1;
        return;
      }
      if (f.count === 1 && (w === 'ASC' || w === 'DESC')) {
        p.i++;
        return;
      }
      if (f.count === 1 && w === 'NULLS' && ['FIRST', 'LAST'].includes(kw(p.toks[p.i + 1]))) {
        p.i += 2;
        return;
      }
      if ((w === 'ROWS' || w === 'ROW' || w === 'ONLY')) {
        p.i++;
        return;
      }
      if (f.state === 'on') fromStep(p, f, true);
      else clauseOrEnd(p, f);
      return;
    }
    case 'after_body':
      afterBody(p, f);
      return;
    default:
      fromStep(p, f, false);
  }
}

/** A dotted object name; false (with an error) when there is none. */
function skipName(p: ParserState): boolean {
  for (;;) {
    const t = p.toks[p.i];
    if (t === undefined || (t.kind !== 'word' && t.kind !== 'quoted')) return fail(p, 'expected a name');
    p.i++;
    if (!isPunct(p.toks[p.i], '.')) return true;
    p.i++;
  }
}

function startCore(f: Frame): void {
  const core = newCore();
  f.core = core;
  f.node?.cores.push(core);
  f.rank = 0;
}

function startItem(p: ParserState, f: Frame): void {
  const t = p.toks[p.i];
  // A trailing comma before FROM is allowed in the select list.
  if (kw(t) === 'FROM' && isPunct(p.toks[p.i - 1], ',') && f.core !== null && f.core.items.length > 0) {
    f.item = null;
    f.refs = null;
    f.state = 'item_after';
    clauseOrEnd(p, f);
    return;
  }
  const item = { alias: null, implicitName: '', refs: [], extra: [], star: null as string[] | null, complex: false, from: p.i, to: -1 };
  f.item = item;
  f.refs = item.refs;
  f.operand = true;
  f.exprFrom = -1;
  if (isPunct(t, '*')) {
    item.star = [];
    p.i++;
    item.to = p.i;
    f.state = 'item_after';
    return;
  }
  // `t.*` and `db.s.t.*`
  let k = p.i;
  const qual: string[] = [];
  while (p.toks[k] !== undefined && (p.toks[k]?.kind === 'word' || p.toks[k]?.kind === 'quoted') && isPunct(p.toks[k + 1], '.')) {
    qual.push(normalizeIdent(p.toks[k]!));
    k += 2;
    if (isPunct(p.toks[k], '*')) {
      item.star = qual;
      p.i = k + 1;
      item.to = p.i;
      f.state = 'item_after';
      return;
    }
  }
  f.state = 'item_expr';
}

function afterItem(p: ParserState, f: Frame): void {
  const t = p.toks[p.i];
  const w = kw(t);
  if (f.item?.star !== null && f.item !== null && ['EXCLUDE', 'ILIKE', 'REPLACE', 'RENAME'].includes(w)) {
    p.i++;
    if (isPunct(p.toks[p.i], '(')) {
      p.stack.push(frame('loose', ')'));
      p.i++;
    } else if (w === 'RENAME') {
      // RENAME col AS alias (unparenthesised form)
      const a = p.toks[p.i];
      const b = p.toks[p.i + 2];
      const bad = a === undefined || (a.kind !== 'word' && a.kind !== 'quoted') ? 0 : kw(p.toks[p.i + 1]) !== 'AS' ? 1 : b === undefined || (b.kind !== 'word' && b.kind !== 'quoted') ? 2 : -1;
      if (bad >= 0) {
        fail(p, 'expected RENAME column AS alias', p.i + bad, ['a column name', 'AS', 'an alias'][bad]);
        return;
      }
      p.i += 3;
    } else if (w === 'ILIKE' ? p.toks[p.i]?.kind === 'string' : p.toks[p.i]?.kind === 'word' || p.toks[p.i]?.kind === 'quoted') p.i++;
    else fail(p, `expected ${w === 'ILIKE' ? 'a pattern string' : 'a column name'} after ${w}`, p.i, w === 'ILIKE' ? "a pattern string '…'" : "a column name or '( … )'");
    return;
  }
  if (isPunct(t, ',')) {
    finishItem(p, f);
    p.i++;
    f.state = 'item_start';
    return;
  }
  finishItem(p, f);
  f.refs = null;
  clauseOrEnd(p, f);
}

function afterBody(p: ParserState, f: Frame): void {
  const t = p.toks[p.i];
  const w = kw(t);
  const core = f.node?.cores.length === 1 ? f.node.cores[0] : undefined;
  // FROM ((SELECT …) AS x): an alias inside the parentheses of a derived table.
  if (f.onClose === 'derived' && f.fn === '' && core !== undefined && core.branch !== null && t !== undefined && (w === 'AS' || t.kind === 'quoted' || (t.kind === 'word' && !RESERVED.has(w)))) {
    if (w === 'AS') p.i++;
    const a = p.toks[p.i];
    if (a === undefined || (a.kind !== 'word' && a.kind !== 'quoted')) {
      fail(p, 'expected an alias', p.i, 'an alias');
      return;
    }
    p.i++;
    f.fn = 'aliased';
    if (isPunct(p.toks[p.i], '(')) {
      p.stack.push(frame('loose', ')'));
      p.i++;
    }
    return;
  }
  clauseOrEnd(p, f);
}
