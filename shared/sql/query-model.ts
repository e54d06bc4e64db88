import type { ColumnSource, OutputColumn } from './types.js';

/** A column reference as written: normalised qualifier parts and column name. */
export interface ColRef {
  qual: string[];
  name: string;
}

/** One FROM/JOIN source of a SELECT core. */
export interface SourceRef {
  /** Normalised alias, or null. */
  alias: string | null;
  /** Normalised base object name (parts joined by '.'), null for derived sources and table functions. */
  name: string | null;
  parts: string[];
  /** Derived source (subquery or CTE); null with `name === null` means a table function or unknown. */
  node: QueryNode | null;
  /** Column references inside a table function's arguments (LATERAL FLATTEN(input => t.emails)). */
  fnRefs: ColRef[];
}

export interface SelectItem {
  alias: string | null;
  /** Output name Snowflake derives when there is no alias (best effort). */
  implicitName: string;
  refs: ColRef[];
  /** Qualifier parts of a `*` / `t.*` item ([] for bare `*`), null for expressions. */
  star: string[] | null;
  /** Sources of scalar subqueries inside the expression (over-inclusive on purpose). */
  extra: ColumnSource[];
  /** Contains a subquery or something lineage cannot follow. */
  complex: boolean;
  /** Token index range of the expression, for the implicit name. */
  from: number;
  to: number;
}

export interface SelectCore {
  sources: SourceRef[];
  items: SelectItem[];
  /** A parenthesised set-operation branch: its columns come from this node. */
  branch: QueryNode | null;
}

export interface QueryNode {
  cores: SelectCore[];
  ctes: Map<string, QueryNode | null>;
  /** Lineage of the node's output, computed when the node closes (children always close first). */
  columns: OutputColumn[];
}

export function newNode(): QueryNode {
  return { cores: [], ctes: new Map(), columns: [] };
}

export function newCore(): SelectCore {
  return { sources: [], items: [], branch: null };
}
