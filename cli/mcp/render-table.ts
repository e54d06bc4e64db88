import { rowKeys } from '#shared/use-cases/result-shape.js';

/** How much of a result goes into the model's context; the full masked result stays in the record. */
export interface TableLimits {
  maxRows: number;
  maxCellChars: number;
  /** Budget for the whole table text, so one wide result cannot flood the context. */
  maxChars: number;
}

export const DEFAULT_TABLE_LIMITS: TableLimits = { maxRows: 100, maxCellChars: 200, maxChars: 40_000 };

export interface RenderedTable {
  text: string;
  rowsShown: number;
  cellsCut: number;
}

/**
 * A compact Markdown-style table: one header, one line per row, `|` and line breaks escaped so a
 * cell can never break the layout, long cells cut with `…`. Row objects are read through the
 * gateway's own key scheme (`ID`, `ID_2` for duplicate names), not their key order, because
 * integer-like keys ("1") would otherwise be reordered by the JavaScript object model.
 *
 * @example
 * renderTable([{ name: 'id', type: 'INTEGER' }], [{ id: 1 }]).text; // "| id |\n|---|\n| 1 |"
 */
export function renderTable(
  columns: ReadonlyArray<{ name: string }>,
  rows: ReadonlyArray<Record<string, unknown>>,
  limits: TableLimits = DEFAULT_TABLE_LIMITS,
): RenderedTable {
  const keys = rowKeys(columns);
  let cellsCut = 0;
  const cell = (value: unknown): string => {
    const text = escapeCell(formatValue(value));
    if (text.length <= limits.maxCellChars) return text;
    cellsCut++;
    return `${text.slice(0, limits.maxCellChars - 1)}…`;
  };
  const lines = [`| ${columns.map((c) => cell(c.name)).join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`];
  let used = lines[0]!.length + lines[1]!.length + 2;
  let rowsShown = 0;
  for (const row of rows) {
    if (rowsShown >= limits.maxRows) break;
    const line = `| ${keys.map((k) => cell(row[k])).join(' | ')} |`;
    if (used + line.length + 1 > limits.maxChars) break;
    lines.push(line);
    used += line.length + 1;
    rowsShown++;
  }
  return { text: lines.join('\n'), rowsShown, cellsCut };
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

function escapeCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r\n|\r|\n/g, '\\n').replace(/\t/g, ' ');
}
