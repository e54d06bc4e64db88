import type { WarehouseColumn } from '../ports/warehouse.js';

/**
 * Turns row arrays into row objects keyed by column name. Duplicate output names get
 * suffixes (`ID`, `ID_2`) so no value is lost; `columns` keeps the originals.
 */
export function rowObjects(columns: WarehouseColumn[], rows: unknown[][]): Record<string, unknown>[] {
  const keys = rowKeys(columns);
  return rows.map((row) => {
    const o: Record<string, unknown> = {};
    keys.forEach((k, i) => {
      o[k] = row[i] ?? null;
    });
    return o;
  });
}

/** The keys of row objects, in column order: duplicate names get `_2`, `_3` … */
export function rowKeys(columns: ReadonlyArray<{ name: string }>): string[] {
  const keys: string[] = [];
  const used = new Set<string>();
  for (const c of columns) {
    let key = c.name;
    for (let n = 2; used.has(key); n++) key = `${c.name}_${n}`;
    used.add(key);
    keys.push(key);
  }
  return keys;
}

/**
 * Keeps as many leading rows as fit in `maxBytes` of JSON, so the response (and the record
 * that holds exactly what the agent saw) stays under DynamoDB's 400 KB item limit.
 */
export function capRowsByBytes<T>(rows: T[], maxBytes: number): { rows: T[]; truncated: boolean } {
  let total = 2;
  for (let i = 0; i < rows.length; i++) {
    total += Buffer.byteLength(JSON.stringify(rows[i]), 'utf8') + 1;
    if (total > maxBytes) return { rows: rows.slice(0, i), truncated: true };
  }
  return { rows, truncated: false };
}
