import type { Warehouse } from '../ports/warehouse.js';
import { housekeepingTag } from '../reconcile/housekeeping.js';
import type { GovernanceColumn } from './governance-plan.js';

/**
 * The gateway's catalog query (information-schema-catalog.ts) plus `data_type`, which a masking policy's signature
 * needs, and `numeric_precision`, `numeric_scale`: a NUMBER token must fit its column (Snowflake fails a query whose
 * masked value exceeds the column's precision, BCR 2024_04).
 */
export const GOVERNANCE_CATALOG_SQL =
  "SELECT table_catalog, table_schema, table_name, column_name, data_type, numeric_precision, numeric_scale FROM information_schema.columns WHERE table_schema <> 'INFORMATION_SCHEMA' ORDER BY table_catalog, table_schema, table_name, ordinal_position";

const MAX_ROWS = 500_000;

/** Every column of the session database with its type. A truncated catalog is refused: a plan must not miss columns. */
export async function readGovernanceCatalog(warehouse: Warehouse): Promise<GovernanceColumn[]> {
  const r = await warehouse.execute({ sql: GOVERNANCE_CATALOG_SQL, queryTag: housekeepingTag('governance_catalog'), maxRows: MAX_ROWS, timeoutMs: 60_000 });
  if (r.truncated) throw new Error(`information_schema.columns has more than ${MAX_ROWS} rows; narrow the session database`);
  return r.rows.map((row) => {
    const [database, schema, table, column, dataType] = row.slice(0, 5).map((v) => String(v ?? ''));
    const precision = wholeNumber(row[5]);
    const scale = wholeNumber(row[6]);
    return {
      database: database ?? '',
      schema: schema ?? '',
      table: table ?? '',
      column: column ?? '',
      dataType: dataType ?? '',
      ...(precision === undefined ? {} : { precision }),
      ...(scale === undefined ? {} : { scale }),
    };
  });
}

/** A catalog number (a JS number, or the text the wire gave), or undefined when absent or not a whole number. */
function wholeNumber(v: unknown): number | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}
