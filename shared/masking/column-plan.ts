import type { WarehouseColumn } from '../ports/warehouse.js';
import type { OutputColumn } from '../sql/types.js';
import { alignLineage } from './column-lineage.js';
import { columnRuleMatches, type CompiledColumnRule } from './column-pattern.js';
import { stricterRule } from './rule-strictness.js';
import type { MaskRule } from './types.js';

export interface ColumnPlanInput {
  columns: readonly WarehouseColumn[];
  lineage: readonly OutputColumn[] | null;
  objects: readonly { name: string }[];
  touchesSensitive: boolean;
  /** The statement holds a construct whose columns the parse cannot follow: every column is redacted. */
  opaque?: boolean;
}

const splitParts = (name: string): string[] => name.toUpperCase().split('.');

/**
 * Each output column's rule (null = none; content detectors still run), and whether NULL is
 * hidden too. A column redacted because it is computed from a sensitive column, or because the
 * statement is opaque or its lineage unknown, shows `[REDACTED]` for NULL as well: otherwise
 * NULL-or-not carries a bit of the column (`CASE WHEN ssn LIKE '1%' THEN 1 END`). A sensitive
 * column read as itself keeps its NULLs (they say only that the value is absent).
 */
export interface ColumnPlan {
  rules: (MaskRule | null)[];
  hideNulls: boolean[];
}

/**
 * Decides, once per result, the column rule of each output column (null = none; content
 * detectors still run). A column gets every rule that matches its output name, any
 * lineage source (qualified by its table, or by the statement's only table when the
 * classifier left it null), or — for columns that came through `*` — its name qualified
 * by the star's table; the strictest wins. A column whose lineage is missing or incomplete
 * is redacted whole when the statement touches a sensitive column: its data may be one.
 */
export function planColumns(input: ColumnPlanInput, rules: readonly CompiledColumnRule[]): ColumnPlan {
  if (input.opaque === true) return { rules: input.columns.map(() => 'redact'), hideNulls: input.columns.map(() => true) };
  const tables = input.objects.filter((o) => !o.name.startsWith('@')).map((o) => splitParts(o.name));
  const onlyTable = tables.length === 1 ? (tables[0] ?? null) : null;
  const qualify = (object: string | null): string[] | null => (object === null ? onlyTable : splitParts(object));
  // A star over "all FROM objects" may have taken the column from any of them.
  const starTables = (object: string | null): (string[] | null)[] =>
    object !== null ? [splitParts(object)] : tables.length > 0 ? tables : [null];

  const matching = (objectParts: string[] | null, column: string, bareOnly: boolean): MaskRule | null => {
    let rule: MaskRule | null = null;
    const name = column.toUpperCase();
    for (const r of rules) if (columnRuleMatches(r, objectParts, name, bareOnly)) rule = stricterRule(rule, r.rule);
    return rule;
  };

  const aligned = alignLineage(input.columns, input.lineage);
  let sensitive = input.touchesSensitive;
  const hideNulls = input.columns.map(() => false);
  const plan = input.columns.map((column, i): MaskRule | null => {
    const lineage = aligned[i] ?? null;
    const known = lineage !== null && lineage.complete;
    // With complete lineage a qualified pattern must match the data's origin, not the alias.
    let rule = matching(null, column.name, known);
    let fromSources: MaskRule | null = null;
    for (const source of lineage?.sources ?? []) fromSources = stricterRule(fromSources, matching(qualify(source.object), source.column, false));
    for (const star of lineage?.stars ?? []) {
      for (const parts of starTables(star)) fromSources = stricterRule(fromSources, matching(parts, column.name, false));
    }
    // A masked column can only be read as itself: a value computed from one is redacted whatever its rule.
    const derived = lineage?.derived === true && fromSources !== null;
    if (derived) hideNulls[i] = true;
    rule = derived ? 'redact' : stricterRule(rule, fromSources);
    if (rule !== null) sensitive = true;
    return rule;
  });
  // Lineage items the alignment did not use still tell us what the statement read.
  for (const entry of input.lineage ?? []) {
    for (const source of entry.sources) if (matching(qualify(source.object), source.column, false) !== null) sensitive = true;
  }
  if (!sensitive) return { rules: plan, hideNulls };
  const rulesOut = plan.map((rule, i) => {
    const lineage = aligned[i] ?? null;
    if (lineage !== null && lineage.complete) return rule;
    hideNulls[i] = true;
    return 'redact' as const;
  });
  return { rules: rulesOut, hideNulls };
}
