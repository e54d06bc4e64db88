import type { CatalogTable } from '../../ports/catalog.js';
import type { Clock } from '../../ports/clock.js';
import type { Warehouse } from '../../ports/warehouse.js';
import { CachedCatalog } from './cached-catalog.js';

/** Both DuckDB and Snowflake expose the standard view; Snowflake's covers the session's database. */
export const CATALOG_SQL =
  'SELECT table_catalog, table_schema, table_name, column_name FROM information_schema.columns ORDER BY table_catalog, table_schema, table_name';

const MAX_CATALOG_ROWS = 500_000;

/**
 * Reads `information_schema.columns` through a warehouse adapter (DuckDB locally, Snowflake via
 * its snowflake-sdk connection). A truncated answer drops its last table, whose column list may
 * be partial: that table is then unknown, hence treated as sensitive.
 */
export async function loadInformationSchema(warehouse: Warehouse): Promise<CatalogTable[]> {
  const r = await warehouse.execute({ sql: CATALOG_SQL, queryTag: JSON.stringify({ airlock: { housekeeping: 'catalog' } }), maxRows: MAX_CATALOG_ROWS, timeoutMs: 20_000 });
  const out: CatalogTable[] = [];
  let current: CatalogTable | null = null;
  for (const row of r.rows) {
    const [database, schema, name, column] = row.map((v) => String(v ?? ''));
    if (current === null || current.database !== database || current.schema !== schema || current.name !== name) {
      current = { database: database ?? '', schema: schema ?? '', name: name ?? '', columns: [] };
      out.push(current);
    }
    current.columns.push(column ?? '');
  }
  if (r.truncated) out.pop();
  return out;
}

/**
 * The catalog of a warehouse: `information_schema.columns`, cached with a TTL and refreshed on a miss.
 * @example const catalog = warehouseCatalog(warehouse, systemClock);
 */
export function warehouseCatalog(warehouse: Warehouse, clock: Clock, ttlMs?: number): CachedCatalog {
  return new CachedCatalog({ load: () => loadInformationSchema(warehouse), clock, ...(ttlMs === undefined ? {} : { ttlMs }) });
}
