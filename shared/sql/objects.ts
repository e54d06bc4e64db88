import type { Token } from './lexer.js';
import { isPunct, isStageString, kw, normalizeIdent, stringValue } from './names.js';
import type { QueryNode } from './query-model.js';
import { historyFunctionObjects } from './history-functions.js';
import type { ObjectAccess, ObjectRef } from './types.js';

function add(out: ObjectRef[], ref: ObjectRef): void {
  if (!out.some((o) => o.name === ref.name && o.access === ref.access)) out.push(ref);
}

/** `@db.s."St"/path` → `@DB.S.St`: the stage name without its path, normalised like other names. */
export function stageName(t: Token): string {
  const slash = t.text.indexOf('/');
  const raw = slash > 0 ? t.text.slice(1, slash) : t.text.slice(1);
  const parts = raw.match(/"(?:[^"]|"")*"?|[^.]+/g) ?? [];
  return `@${parts.map((p) => (p.startsWith('"') ? p.slice(1, p.endsWith('"') && p.length > 1 ? -1 : undefined).replace(/""/g, '"') : p.toUpperCase())).join('.')}`;
}

function stageRef(t: Token, access: ObjectAccess): ObjectRef {
  return { name: stageName(t), parts: [], kind: 'stage', access };
}

/** Reads a dotted name at `i`; null when there is none. */
function nameAt(toks: Token[], i: number): { parts: string[]; next: number } | null {
  const parts: string[] = [];
  let k = i;
  while (toks[k] !== undefined && (toks[k]?.kind === 'word' || toks[k]?.kind === 'quoted')) {
    parts.push(normalizeIdent(toks[k] as Token));
    k++;
    if (!isPunct(toks[k], '.')) break;
    k++;
  }
  return parts.length === 0 ? null : { parts, next: k };
}

function tableRef(parts: string[], access: ObjectAccess): ObjectRef {
  return { name: parts.join('.'), parts, kind: 'table', access };
}

/** The object a CREATE/ALTER/DROP names, skipping the object type words and IF [NOT] EXISTS. */
export function ddlTarget(toks: Token[], from: number): ObjectRef | null {
  let k = from;
  while (['TABLE', 'VIEW', 'ROLE', 'IF', 'NOT', 'EXISTS', 'SCHEMA', 'DATABASE', 'STAGE', 'SEQUENCE', 'STREAM', 'TASK', 'PROCEDURE', 'FUNCTION', 'USER', 'WAREHOUSE'].includes(kw(toks[k]))) k++;
  const n = nameAt(toks, k);
  return n === null ? null : { ...tableRef(n.parts, 'ddl'), kind: ['ROLE', 'USER', 'WAREHOUSE', 'DATABASE', 'SCHEMA', 'TASK', 'PROCEDURE', 'FUNCTION'].includes(kw(toks[k - 1])) ? 'other' : 'table' };
}

/** Objects of a parsed query: base sources of every node (CTE names excluded by the parser) and stages. */
export function queryObjects(nodes: QueryNode[], toks: Token[]): ObjectRef[] {
  const out: ObjectRef[] = [];
  for (const node of nodes) {
    for (const core of node.cores) {
      for (const s of core.sources) {
        if (s.name === null) continue;
        if (s.name.startsWith('@')) continue;
        add(out, tableRef(s.parts, 'read'));
      }
    }
  }
  toks.forEach((t, i) => {
    if (t.kind === 'stage') add(out, stageRef(t, 'read'));
    // A stage named in a string literal (`FROM '@st'`, `TO_FILE('@st/x')`) is a stage access too (P-F).
    else if (isStageString(t) && (['FROM', 'JOIN'].includes(kw(toks[i - 1])) || ['(', ',', '=>'].some((s) => isPunct(toks[i - 1], s)))) {
      add(out, stageRef({ ...t, kind: 'stage', text: stringValue(t).trim() }, 'read'));
    }
  });
  for (const ref of historyFunctionObjects(toks)) add(out, ref);
  return out;
}

/** Token-level object scan for DML, COPY and DDL: targets by keyword, sources after FROM/JOIN/USING. */
export function collectObjects(toks: Token[]): ObjectRef[] {
  const out: ObjectRef[] = [];
  const w0 = kw(toks[0]);
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Token;
    const w = kw(t);
    const prev = kw(toks[i - 1]);
    if (t.kind === 'stage') {
      add(out, stageRef(t, w0 === 'COPY' && prev === 'INTO' ? 'write' : 'read'));
      continue;
    }
    let access: ObjectAccess | null = null;
    if ((w === 'INTO' && ['INSERT', 'MERGE', 'COPY', 'ALL', 'FIRST', 'OVERWRITE'].includes(w0)) || (w === 'UPDATE' && i === 0)) access = 'write';
    else if (w === 'FROM' && w0 === 'DELETE' && i === 1) access = 'write';
    else if (w === 'FROM' || w === 'JOIN' || (w === 'USING' && !isPunct(toks[i + 1], '('))) access = 'read';
    else if ((w0 === 'ALTER' || w0 === 'DROP' || w0 === 'TRUNCATE' || w0 === 'UNDROP') && i === 0) {
      const target = ddlTarget(toks, 1);
      if (target !== null) add(out, target);
      continue;
    }
    if (access === null) continue;
    const n = nameAt(toks, i + 1);
    // A read name followed by `(` is a table function; a write target may take a column list.
    if (n === null || (access === 'read' && isPunct(toks[n.next], '('))) continue;
    add(out, tableRef(n.parts, access));
  }
  return out;
}
