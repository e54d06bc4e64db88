import type { ColRef, QueryNode, SelectCore, SelectItem, SourceRef } from './query-model.js';
import type { ColumnSource, OutputColumn } from './types.js';

interface Resolved {
  sources: ColumnSource[];
  complete: boolean;
  /** Some column it passes through was computed, not referenced. */
  derived: boolean;
}

function sourceMatches(s: SourceRef, qual: string[]): boolean {
  const last = qual[qual.length - 1];
  if (last === undefined) return true;
  if (s.alias !== null) return s.alias === last;
  if (s.name === null) return false;
  return s.name === qual.join('.') || s.parts[s.parts.length - 1] === last;
}

/** Follows one column reference through aliases, CTEs and subqueries (whose columns are already computed). */
function resolveRef(core: SelectCore, ref: ColRef): Resolved {
  const candidates = core.sources.filter((s) => sourceMatches(s, ref.qual));
  if (candidates.length === 0) return { sources: [{ object: null, column: ref.name }], complete: false, derived: false };
  const out: Resolved = { sources: [], complete: true, derived: false };
  let found = false;
  for (const s of candidates) {
    if (s.name !== null) {
      out.sources.push({ object: s.name, column: ref.name });
      found = true;
    } else if (s.node === null) {
      // Table function: its columns derive from its arguments (FLATTEN(input => t.emails)).
      for (const r of s.fnRefs) out.sources.push(...resolveFnRef(core, r));
      out.sources.push({ object: null, column: ref.name });
      out.complete = false;
      found = true;
    } else {
      const col = s.node.columns.find((c) => c.star === undefined && c.name === ref.name);
      if (col !== undefined) {
        out.sources.push(...col.sources);
        if (!col.complete) out.complete = false;
        if (col.derived === true) out.derived = true;
        found = true;
        continue;
      }
      for (const c of s.node.columns) {
        if (c.derived === true && c.name === ref.name) out.derived = true;
        if (c.star === undefined) continue;
        out.sources.push({ object: c.star.object, column: ref.name });
        if (c.star.object === null || !c.complete) out.complete = false;
        found = true;
      }
    }
  }
  if (!found) {
    out.sources.push({ object: null, column: ref.name });
    out.complete = false;
  }
  return out;
}

function resolveFnRef(core: SelectCore, r: ColRef): ColumnSource[] {
  const out: ColumnSource[] = [];
  for (const s of core.sources) {
    if (s.name !== null && sourceMatches(s, r.qual)) out.push({ object: s.name, column: r.name });
    if (s.node !== null && sourceMatches(s, r.qual)) {
      for (const c of s.node.columns) if (c.name === r.name || c.star !== undefined) out.push(...c.sources);
    }
  }
  if (out.length === 0) out.push({ object: null, column: r.name });
  return out;
}

function starColumns(core: SelectCore, item: SelectItem): OutputColumn[] {
  const qual = item.star ?? [];
  const matched = core.sources.filter((s) => sourceMatches(s, qual));
  if (matched.length === 0) return [{ name: '*', sources: [], complete: false, star: { object: null } }];
  const out: OutputColumn[] = [];
  for (const s of matched) {
    if (s.name !== null) out.push({ name: '*', sources: [], complete: true, star: { object: s.name } });
    else if (s.node !== null) out.push(...s.node.columns);
    else out.push({ name: '*', sources: [], complete: false, star: { object: null } });
  }
  return out;
}

function dedupe(sources: ColumnSource[]): ColumnSource[] {
  const seen = new Set<string>();
  return sources.filter((s) => {
    const k = `${s.object ?? ''}\u0000${s.column}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function coreColumns(core: SelectCore): OutputColumn[] {
  if (core.branch !== null) return core.branch.columns;
  const out: OutputColumn[] = [];
  for (const item of core.items) {
    if (item.star !== null) {
      out.push(...starColumns(core, item));
      continue;
    }
    let sources: ColumnSource[] = [];
    let complete = !item.complex;
    // Only a bare reference (`email`, `c.email`, `email AS x`) is read as itself; anything else computes a new value.
    let derived = item.complex || item.refs.length !== 1 || item.implicitName !== item.refs[0]?.name;
    for (const ref of item.refs) {
      const r = resolveRef(core, ref);
      sources.push(...r.sources);
      if (!r.complete) complete = false;
      if (r.derived) derived = true;
    }
    sources = dedupe([...sources, ...item.extra]);
    out.push({ name: item.alias ?? item.implicitName, sources, complete, ...(derived ? { derived } : {}) });
  }
  return out;
}

/**
 * Computes `node.columns`. Nodes close innermost first, so every CTE and subquery a node reads
 * already has its columns: lineage needs no recursion.
 */
export function computeNodeColumns(node: QueryNode): void {
  const [first, ...rest] = node.cores;
  if (first === undefined) return;
  const cols = coreColumns(first).map((c) => ({ ...c, sources: [...c.sources] }));
  for (const core of rest) {
    const other = coreColumns(core);
    if (other.length !== cols.length || other.some((c) => c.star !== undefined) || cols.some((c) => c.star !== undefined)) {
      for (const c of cols) c.complete = false;
    }
    other.forEach((c, j) => {
      const target = cols[j] ?? cols[cols.length - 1];
      if (target === undefined) return;
      target.sources = dedupe([...target.sources, ...c.sources, ...(c.star !== undefined ? [{ object: c.star.object, column: '*' }] : [])]);
      if (!c.complete) target.complete = false;
      if (c.derived === true) target.derived = true;
    });
  }
  node.columns = cols;
}
