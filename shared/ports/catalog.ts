/**
 * The warehouse's catalog: which tables exist and which columns each has. Masking uses it to
 * know that a table holds sensitive columns even when no sensitive name appears in the SQL
 * (`SELECT c FROM customers c`, `OBJECT_CONSTRUCT(*)`). Names are as the warehouse stores them.
 *
 * @example
 * const tables = await catalog.tables(['CUSTOMERS']); // [{ database: 'DEMO', schema: 'MAIN', name: 'customers', columns: ['id', 'email', …] }]
 * const none = await catalog.tables(['NO_SUCH']);     // null: unknown, so treated as sensitive
 */
export interface CatalogTable {
  database: string;
  schema: string;
  name: string;
  columns: string[];
}

export interface Catalog {
  /**
   * Every table whose name matches `parts` (1 to 3 parts, right-aligned, compared
   * case-insensitively), or null when the catalog knows no such table. Never throws for an
   * unknown name; throws when the catalog itself cannot be read.
   */
  tables(parts: readonly string[]): Promise<CatalogTable[] | null>;
}
