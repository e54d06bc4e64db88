import type { WarehouseColumn } from '../ports/warehouse.js';
import type { ColumnSource, OutputColumn } from '../sql/types.js';

/** What feeds one output column of the result, after aligning warehouse columns with lineage. */
export interface ResolvedLineage {
  sources: ColumnSource[];
  /** Objects of the `*` items this column may have come through (null = any FROM object). */
  stars: (string | null)[];
  /** False when some source is unknown; masking then fails closed. */
  complete: boolean;
  /** Computed from its sources rather than read as itself: redacted when a source is sensitive. */
  derived: boolean;
}

const upper = (s: string): string => s.toUpperCase();

function fromEntry(entry: OutputColumn): ResolvedLineage {
  return {
    sources: entry.sources,
    stars: entry.star === undefined ? [] : [entry.star.object],
    complete: entry.complete,
    derived: entry.derived === true,
  };
}

/** Positional alignment around a single star: items before it, its expansion, items after it. */
function alignAroundOneStar(columns: readonly WarehouseColumn[], lineage: readonly OutputColumn[]): ResolvedLineage[] | null {
  const starAt = lineage.findIndex((l) => l.star !== undefined);
  const star = lineage[starAt];
  const expandedTo = columns.length - (lineage.length - 1);
  if (star === undefined || expandedTo < 0) return null;
  const out: ResolvedLineage[] = [];
  for (let i = 0; i < columns.length; i++) {
    const entry: OutputColumn | undefined = i < starAt ? lineage[i] : i < starAt + expandedTo ? star : lineage[i - expandedTo + 1];
    const column = columns[i];
    if (entry === undefined || column === undefined) return null;
    // The explicit items must carry the names the warehouse returned, or the split is a guess.
    if (entry !== star && upper(entry.name) !== upper(column.name)) return null;
    out.push(fromEntry(entry));
  }
  return out;
}

/**
 * By name: every lineage item with the output's name, plus every star when there is one
 * (a star may also have produced a column of that name: `SELECT *, 'x' AS email`).
 * A column no item explains gets null (missing lineage).
 */
function alignByName(columns: readonly WarehouseColumn[], lineage: readonly OutputColumn[]): (ResolvedLineage | null)[] {
  const stars = lineage.filter((l) => l.star !== undefined).map((l) => l.star?.object ?? null);
  const byName = new Map<string, OutputColumn[]>();
  for (const entry of lineage) {
    if (entry.star !== undefined) continue;
    const key = upper(entry.name);
    byName.set(key, [...(byName.get(key) ?? []), entry]);
  }
  return columns.map((column) => {
    const named = byName.get(upper(column.name)) ?? [];
    if (named.length === 0 && stars.length === 0) return null;
    return {
      sources: named.flatMap((e) => e.sources),
      stars,
      complete: named.every((e) => e.complete),
      derived: named.some((e) => e.derived === true),
    };
  });
}

/**
 * Aligns the warehouse's output columns with the classifier's lineage. By position when
 * the counts line up and there is no star; around the star when there is exactly one and
 * the explicit items' names agree; otherwise by name. Null lineage (SHOW, DESCRIBE…) or
 * an empty list gives null for every column.
 */
export function alignLineage(
  columns: readonly WarehouseColumn[],
  lineage: readonly OutputColumn[] | null,
): (ResolvedLineage | null)[] {
  if (lineage === null || lineage.length === 0) return columns.map(() => null);
  const starCount = lineage.filter((l) => l.star !== undefined).length;
  if (starCount === 0 && lineage.length === columns.length) return lineage.map(fromEntry);
  if (starCount === 1) {
    const aligned = alignAroundOneStar(columns, lineage);
    if (aligned !== null) return aligned;
  }
  return alignByName(columns, lineage);
}
