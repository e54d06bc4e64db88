/** Shapes produced by the classifier (docs/risk-rules.md, docs/interfaces.md `classify`). Pure types. */

export type Risk = 'invalid' | 'read' | 'write' | 'privileged' | 'blocked';

/** Lowest to highest; `invalid` sits outside the order (rank -1). */
export const RISK_ORDER: readonly Risk[] = ['read', 'write', 'privileged', 'blocked'];

export interface Position {
  /** 1-based line. */
  line: number;
  /** 1-based column, counted in UTF-16 code units of the line. */
  column: number;
  /** 0-based UTF-16 offset into the submitted text. */
  offset: number;
}

export interface Reason {
  /** Rule id from docs/risk-rules.md: 'I1', 'M1', 'R1', 'W1', 'W2', 'W3', 'P-D', 'P-F', 'P-X', 'P-S', 'P-U', 'B1'…'B7', 'B-N', 'E7' (§7 decided edge cases). */
  code: string;
  /** One sentence an approver understands, e.g. "line 3: DROP SCHEMA destroys a schema (B1)". */
  message: string;
  at: Position;
}

export type ObjectAccess = 'read' | 'write' | 'ddl';

export interface ObjectRef {
  /**
   * The name as written, normalised Snowflake-style: unquoted parts upper-cased,
   * quoted parts kept exactly, parts joined by '.', e.g. `PROD.HR."Salaries"` → `PROD.HR.Salaries`.
   * Stages keep their `@` prefix (`@MY_STAGE`, `@~`, `@%ORDERS`).
   */
  name: string;
  /** The name's parts after normalisation (1 to 3 of them); empty for stages. */
  parts: string[];
  kind: 'table' | 'stage' | 'other';
  access: ObjectAccess;
}

/** One source column of an output column: `object` is the normalised table name (as in ObjectRef.parts joined), or null when unknown. */
export interface ColumnSource {
  object: string | null;
  column: string;
}

/**
 * Lineage of one output column of a query's top-level select list, for masking.
 * `name` is the output name as Snowflake returns it (unquoted → upper case).
 * `star` marks `*` / `t.*` items: every column of `star.object` (null = all FROM objects) passes through by name.
 * `complete: false` means the classifier could not determine every source; masking then treats the column as tainted
 * when the statement touches any sensitive column.
 */
export interface OutputColumn {
  name: string;
  sources: ColumnSource[];
  complete: boolean;
  /**
   * The column is computed from its sources (a function, CASE, cast, aggregate, window …), not a
   * plain reference: masking redacts it whenever a source is sensitive (docs/masking.md).
   */
  derived?: boolean;
  star?: { object: string | null };
}

export interface StatementInfo {
  /** e.g. 'select', 'show', 'describe', 'explain', 'insert', 'update', 'delete', 'merge', 'copy_into_table', 'create', 'drop', 'grant', 'call', 'block', 'unknown' … */
  kind: string;
  risk: Exclude<Risk, 'invalid'>;
  /** UTF-16 offsets into the submitted text, end exclusive. */
  span: { start: number; end: number };
  objects: ObjectRef[];
  /** Output-column lineage; empty for statements that return no query columns or when not computed. */
  columns: OutputColumn[];
}

export interface Classification {
  risk: Risk;
  statements: StatementInfo[];
  reasons: Reason[];
}
