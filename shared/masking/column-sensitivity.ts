import type { Catalog } from '../ports/catalog.js';
import type { ColumnSensitivity } from '../sql/column-uses.js';
import type { ObjectRef } from '../sql/types.js';
import { columnRuleMatches, compileColumnRule, type CompiledColumnRule } from './column-pattern.js';
import { stricterRule } from './rule-strictness.js';
import type { ColumnRule, MaskRule } from './types.js';

const up = (s: string): string => s.toUpperCase();

function ruleOf(rules: readonly CompiledColumnRule[], tableParts: string[] | null, column: string): MaskRule | null {
  let rule: MaskRule | null = null;
  for (const r of rules) if (columnRuleMatches(r, tableParts, up(column), false)) rule = stricterRule(rule, r.rule);
  return rule;
}

/**
 * Which columns of a statement's tables are sensitive: the catalog's columns of each table the
 * statement reads, matched against the policy's column rules (`masking.columns`). A table the
 * catalog does not know makes `unknownTable` true: any of its columns may be sensitive.
 * `INFORMATION_SCHEMA` views are metadata and hold no sensitive column.
 * Without a catalog (unit tests), a column is sensitive when some rule matches its name alone.
 *
 * @example
 * const s = await columnSensitivity(statement.objects, masking.columns, catalog);
 * s.columnRule('EMAIL'); // 'pseudonym'
 */
export async function columnSensitivity(objects: readonly ObjectRef[], rules: readonly ColumnRule[], catalog: Catalog | undefined): Promise<ColumnSensitivity> {
  const compiled = rules.map(compileColumnRule);
  const tables = new Map<string, Map<string, string>>();
  const columns = new Map<string, MaskRule>();
  let unknownTable = false;
  if (catalog === undefined) {
    return { columnRule: (name) => ruleOf(compiled, null, name) ?? undefined, any: compiled.length > 0, tables, unknownTable: false };
  }
  for (const o of objects) {
    if (o.kind === 'stage' || o.parts.length === 0) continue;
    // INFORMATION_SCHEMA views describe objects (names, types), not rows: metadata, no sensitive column.
    // Its QUERY_HISTORY* functions are sensitive objects of their own (policy sensitive.objects, H1).
    if (o.parts.length >= 2 && up(o.parts[o.parts.length - 2] ?? '') === 'INFORMATION_SCHEMA') continue;
    const found = await catalog.tables(o.parts);
    if (found === null) {
      unknownTable = true;
      continue;
    }
    for (const t of found) {
      const parts = [up(t.database), up(t.schema), up(t.name)];
      for (const c of t.columns) {
        const rule = ruleOf(compiled, parts, c);
        if (rule === null) continue;
        columns.set(up(c), stricterRule(columns.get(up(c)) ?? null, rule) ?? rule);
        const key = up(t.name);
        const byTable = tables.get(key) ?? new Map<string, string>();
        byTable.set(up(c), stricterRule((byTable.get(up(c)) as MaskRule | undefined) ?? null, rule) ?? rule);
        tables.set(key, byTable);
      }
    }
  }
  return { columnRule: (name) => columns.get(up(name)), any: columns.size > 0, tables, unknownTable };
}
