import { AirlockError } from '#shared/errors.js';

/*
 * Schema discovery is ordinary SQL through the gateway (classified read, recorded like every other
 * query). Only INFORMATION_SCHEMA views and functions that both Snowflake and DuckDB (the local
 * demo warehouse) have are used. Names compare case-insensitively with UPPER(): Snowflake stores
 * unquoted identifiers upper case, DuckDB lower case.
 */

// An identifier part as a model would write it; anything else is refused before it reaches SQL.
const PART = /^[A-Za-z_][A-Za-z0-9_$]{0,254}$/;

function literal(part: string, what: string): string {
  if (!PART.test(part)) throw new AirlockError('ERR_VALIDATION', `${what} '${part.slice(0, 80)}' is not a plain identifier (letters, digits, _ and $)`);
  // PART admits no quote, so this is a plain literal; the doubling is defence in depth.
  return `'${part.replace(/'/g, "''")}'`;
}

/** `SELECT … FROM information_schema.tables`, optionally for one schema. */
export function listTablesSql(schema?: string): string {
  const filter = schema === undefined ? '' : ` AND UPPER(table_schema) = UPPER(${literal(schema, 'schema')})`;
  return (
    'SELECT table_catalog, table_schema, table_name, table_type FROM information_schema.tables ' +
    `WHERE UPPER(table_schema) <> 'INFORMATION_SCHEMA'${filter} ORDER BY table_catalog, table_schema, table_name`
  );
}

/** `SELECT … FROM information_schema.columns` for `name`, `schema.name` or `database.schema.name`. */
export function describeTableSql(table: string): string {
  const parts = table.split('.');
  if (parts.length > 3) throw new AirlockError('ERR_VALIDATION', `table '${table.slice(0, 80)}' has more than three parts; expected name, schema.name or database.schema.name`);
  const name = parts[parts.length - 1] as string;
  const filters = [`UPPER(table_name) = UPPER(${literal(name, 'table')})`];
  if (parts.length >= 2) filters.push(`UPPER(table_schema) = UPPER(${literal(parts[parts.length - 2] as string, 'schema')})`);
  if (parts.length === 3) filters.push(`UPPER(table_catalog) = UPPER(${literal(parts[0] as string, 'database')})`);
  return (
    'SELECT table_schema, table_name, column_name, data_type, is_nullable FROM information_schema.columns ' +
    `WHERE ${filters.join(' AND ')} ORDER BY table_schema, table_name, ordinal_position`
  );
}
