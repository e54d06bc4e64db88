import { isPunct, isStageString, kw, normalizeIdent } from './names.js';
import { clauseOrEnd } from './parse-clause.js';
import { fail, frame, RESERVED } from './parser-state.js';
import type { Frame, ParserState } from './parser-state.js';
import { stageName } from './objects.js';
import { newNode } from './query-model.js';
import type { SourceRef } from './query-model.js';
import type { Token } from './lexer.js';
import type { ColumnSource } from './types.js';

const JOIN_WORDS = new Set(['NATURAL', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'OUTER', 'CROSS', 'ASOF', 'SEMI', 'ANTI', 'DIRECTED']);
const SOURCE_SUFFIX = new Set(['AT', 'BEFORE', 'CHANGES', 'END', 'MATCH_CONDITION']);

/** Looks a one-part name up in the WITH lists of the enclosing queries (innermost first). */
function findCte(p: ParserState, name: string): { found: boolean; node: SourceRef['node'] } {
  for (let k = p.stack.length - 1; k >= 0; k--) {
    const ctes = p.stack[k]?.node?.ctes;
    if (ctes?.has(name) === true) return { found: true, node: ctes.get(name) ?? null };
  }
  return { found: false, node: null };
}

/** FROM / JOIN sources and their suffixes (time travel, sampling, PIVOT, aliases, join conditions). */
export function fromStep(p: ParserState, f: Frame, afterOn: boolean): void {
  const t = p.toks[p.i];
  if (t === undefined) return;
  const w = kw(t);
  if (f.state === 'from_source') {
    sourceStart(p, f);
    return;
  }
  if (f.state === 'from_values') {
    if (!isPunct(t, '(')) {
      fail(p, 'VALUES needs parenthesised rows');
      return;
    }
    p.stack.push(frame('list', ')', { fn: 'VALUES' }));
    p.i++;
    f.state = 'from_values_after';
    return;
  }
  if (f.state === 'from_values_after') {
    if (isPunct(t, ',') && isPunct(p.toks[p.i + 1], '(')) {
      p.i++;
      f.state = 'from_values';
      return;
    }
    f.state = 'from_after';
  }
  if (f.state === 'window') {
    // WINDOW w AS (…) [, …]
    if ((t.kind === 'word' || t.kind === 'quoted') && kw(p.toks[p.i + 1]) === 'AS' && isPunct(p.toks[p.i + 2], '(')) {
      p.stack.push(frame('loose', ')'));
      p.i += 3;
      f.state = 'from_after';
      return;
    }
    fail(p, 'malformed WINDOW clause');
    return;
  }
  if (!afterOn && SOURCE_SUFFIX.has(w) && isPunct(p.toks[p.i + 1], '(')) {
    p.stack.push(frame('list', ')', { fn: w, refs: f.source?.fnRefs ?? null }));
    p.i += 2;
    return;
  }
  if (!afterOn && (w === 'PIVOT' || w === 'UNPIVOT' || w === 'MATCH_RECOGNIZE')) {
    p.i++;
    if (['INCLUDE', 'EXCLUDE'].includes(kw(p.toks[p.i])) && kw(p.toks[p.i + 1]) === 'NULLS') p.i += 2;
    if (!isPunct(p.toks[p.i], '(')) {
      fail(p, `${w} needs ( … )`);
      return;
    }
    p.stack.push(frame('loose', ')'));
    p.i++;
    return;
  }
  if (!afterOn && (w === 'SAMPLE' || w === 'TABLESAMPLE')) {
    p.i++;
    if (['BERNOULLI', 'ROW', 'SYSTEM', 'BLOCK'].includes(kw(p.toks[p.i]))) p.i++;
    if (!isPunct(p.toks[p.i], '(')) {
      fail(p, `${w} needs ( … )`);
      return;
    }
    p.stack.push(frame('loose', ')'));
    p.i++;
    if (['REPEATABLE', 'SEED'].includes(kw(p.toks[p.i])) && isPunct(p.toks[p.i + 1], '(')) {
      p.stack.push(frame('loose', ')'));
      p.i += 2;
    }
    return;
  }
  if (!afterOn && f.source !== null && f.source.alias === null) {
    if (w === 'AS' || t.kind === 'quoted' || (t.kind === 'word' && !RESERVED.has(w) && !JOIN_WORDS.has(w))) {
      if (w === 'AS') p.i++;
      const a = p.toks[p.i];
      if (a === undefined || (a.kind !== 'word' && a.kind !== 'quoted')) {
        fail(p, 'expected an alias');
        return;
      }
      f.source.alias = normalizeIdent(a);
      p.i++;
      if (isPunct(p.toks[p.i], '(')) {
        p.stack.push(frame('loose', ')'));
        p.i++;
      }
      return;
    }
  }
  if (!afterOn && (w === 'ON' || w === 'USING')) {
    p.i++;
    if (w === 'USING') {
      if (!isPunct(p.toks[p.i], '(')) {
        fail(p, 'USING needs ( … )');
        return;
      }
      p.stack.push(frame('loose', ')'));
      p.i++;
      return;
    }
    f.state = 'on';
    f.operand = true;
    f.exprFrom = -1;
    f.refs = null;
    return;
  }
  if (isPunct(t, ',')) {
    p.i++;
    f.state = 'from_source';
    return;
  }
  if (JOIN_WORDS.has(w) || w === 'JOIN') {
    while (JOIN_WORDS.has(kw(p.toks[p.i]))) p.i++;
    if (kw(p.toks[p.i]) !== 'JOIN') {
      fail(p, 'expected JOIN');
      return;
    }
    p.i++;
    f.state = 'from_source';
    return;
  }
  if (f.joinGroup && isPunct(t, ')')) {
    p.stack.pop();
    p.i++;
    return;
  }
  clauseOrEnd(p, f);
}

const SEMANTIC_WORDS = new Set(['DIMENSIONS', 'METRICS', 'FACTS', 'WHERE', 'AS', 'AND', 'OR', 'NOT', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE']);

/** Every name in SEMANTIC_VIEW's arguments (bounded look-ahead), as columns of the view: over-inclusive on purpose. */
function semanticViewNames(p: ParserState, view: string): ColumnSource[] {
  const out: ColumnSource[] = [];
  let depth = 1;
  for (let k = p.i; k < p.toks.length && k < p.i + 4096 && depth > 0; k++) {
    const t = p.toks[k] as Token;
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    else if ((t.kind === 'word' && !SEMANTIC_WORDS.has(kw(t))) || t.kind === 'quoted') out.push({ object: view, column: normalizeIdent(t) });
  }
  return out;
}

function sourceStart(p: ParserState, f: Frame): void {
  const t = p.toks[p.i];
  if (t === undefined) return;
  const w = kw(t);
  const source: SourceRef = { alias: null, name: null, parts: [], node: null, fnRefs: [] };
  if (w === 'LATERAL') {
    p.i++;
    return;
  }
  // FROM a, b, WHERE …: a trailing comma before the next clause.
  if (isPunct(p.toks[p.i - 1], ',') && ['WHERE', 'GROUP', 'HAVING', 'QUALIFY', 'ORDER', 'LIMIT'].includes(w) && (f.core?.sources.length ?? 0) > 0) {
    f.state = 'from_after';
    f.source = null;
    clauseOrEnd(p, f);
    return;
  }
  if (t.kind === 'stage' || (kw(p.toks[p.i - 1]) === 'FROM' || kw(p.toks[p.i - 1]) === 'JOIN' || isPunct(p.toks[p.i - 1], ',')) && isStageString(t)) {
    // A stage, also written as a string: FROM '@stage/path'.
    source.name = t.kind === 'stage' ? stageName(t) : '@';
    p.i++;
    // @stage (FILE_FORMAT => …, PATTERN => …)
    if (isPunct(p.toks[p.i], '(')) {
      f.source = source;
      f.core?.sources.push(source);
      f.state = 'from_after';
      p.stack.push(frame('list', ')', { fn: 'STAGE' }));
      p.i++;
      return;
    }
  } else if (isPunct(t, '(')) {
    const n1 = kw(p.toks[p.i + 1]);
    p.i++;
    if (n1 === 'SELECT' || n1 === 'WITH' || n1 === 'VALUES' || isPunct(p.toks[p.i], '(')) {
      f.source = source;
      f.core?.sources.push(source);
      f.state = 'from_after';
      p.stack.push(frame('query', ')', { node: newNode(), onClose: 'derived' }));
      return;
    }
    // A parenthesised join: its sources belong to the enclosing SELECT.
    f.state = 'from_after';
    f.source = source;
    p.stack.push(frame('query', ')', { node: f.node, core: f.core, state: 'from_source', joinGroup: true, rank: 1 }));
    return;
  } else if (w === 'VALUES') {
    p.i++;
    f.source = source;
    f.core?.sources.push(source);
    f.state = 'from_values';
    return;
  } else if (w === 'SEMANTIC_VIEW' && isPunct(p.toks[p.i + 1], '(')) {
    // SEMANTIC_VIEW(db.s.view DIMENSIONS … METRICS … FACTS … WHERE …): the view is the object read.
    p.i += 2;
    const parts: string[] = [];
    for (;;) {
      const a = p.toks[p.i];
      if (a === undefined || (a.kind !== 'word' && a.kind !== 'quoted')) {
        fail(p, 'expected the semantic view name', p.i, 'a semantic view name');
        return;
      }
      parts.push(normalizeIdent(a));
      p.i++;
      if (!isPunct(p.toks[p.i], '.')) break;
      p.i++;
    }
    // Its output columns are named by the DIMENSIONS / METRICS / FACTS (aliases included), not by the view's
    // columns: lineage gets a derived node whose columns are incomplete and come from every name in the arguments.
    const view = parts.join('.');
    const node = newNode();
    node.cores.push({ sources: [{ alias: null, name: view, parts, node: null, fnRefs: [] }], items: [], branch: null });
    // Each name may be an output column (alias included), and each may carry any argument's data.
    const names = semanticViewNames(p, view);
    node.columns = [...new Set(names.map((n) => n.column))].map((name) => ({ name, sources: [...names], complete: false }));
    node.columns.push({ name: '*', sources: [...names], complete: false, star: { object: null } });
    p.nodes.push(node);
    source.node = node;
    f.source = source;
    f.core?.sources.push(source);
    f.state = 'from_after';
    p.stack.push(frame('list', ')', { fn: 'SEMANTIC_VIEW', operand: false }));
    return;
  } else if ((t.kind === 'word' || t.kind === 'quoted') && isPunct(p.toks[p.i + 1], '(') && (t.kind === 'quoted' || !RESERVED.has(w) || w === 'TABLE')) {
    p.i += 2;
    f.source = source;
    f.core?.sources.push(source);
    f.state = 'from_after';
    p.stack.push(frame('list', ')', { fn: w, refs: source.fnRefs }));
    return;
  } else if ((t.kind === 'word' && (!RESERVED.has(w) || (!isPunct(p.toks[p.i + 1], '.') && findCte(p, w).found))) || t.kind === 'quoted') {
    // A CTE may carry a keyword's name (`WITH pivot AS (…) SELECT * FROM pivot`).
    const parts: string[] = [];
    for (;;) {
      const a = p.toks[p.i];
      if (a === undefined || (a.kind !== 'word' && a.kind !== 'quoted')) {
        fail(p, 'expected a table name');
        return;
      }
      parts.push(normalizeIdent(a));
      p.i++;
      if (!isPunct(p.toks[p.i], '.')) break;
      p.i++;
      // `db..table` uses the default schema.
      if (isPunct(p.toks[p.i], '.')) p.i++;
    }
    const cte = parts.length === 1 ? findCte(p, parts[0] as string) : { found: false, node: null };
    if (cte.found) source.node = cte.node;
    else {
      source.name = parts.join('.');
      source.parts = parts;
    }
  } else {
    fail(p, `expected a table name but found '${t.text}'`);
    return;
  }
  f.source = source;
  f.core?.sources.push(source);
  f.state = 'from_after';
}

