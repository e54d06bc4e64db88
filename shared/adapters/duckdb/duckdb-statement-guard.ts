import { StatementType } from '@duckdb/node-api';
import { AirlockError } from '../../errors.js';

/*
 * Why this exists (DuckDB 1.5.6): `enable_external_access=false` + `lock_configuration`
 * do not cover everything a statement can do to the shared instance.
 * - `CALL enable_logging(storage='file', …)` bypasses the lock; every later query then
 *   fails and the process aborts (`terminate called … PermissionException`).
 * - `enable_profiling` / `enable_peg_parser` change global behaviour (profiling prints
 *   to stdout; the PEG parser swaps the parser for every connection).
 * - The database's own files (`warehouse.duckdb`, its `.wal`, its temp dir) stay
 *   readable through `read_blob`/`read_text`/`read_csv`, which would hand raw,
 *   unmasked bytes to a caller. `disabled_filesystems='LocalFileSystem'` would close
 *   that, but it also breaks commits (the WAL), so the readers are refused by name.
 * - `query('…')`/`json_execute_serialized_sql` run SQL hidden inside a string.
 * Names are matched as whole words anywhere in the text, string literals included:
 * a false refusal of an exotic name is cheaper than a miss.
 */
const DENIED_NAMES = [
  'enable_logging',
  'disable_logging',
  'truncate_duckdb_logs',
  'enable_profiling',
  'disable_profiling',
  'enable_profile',
  'disable_profile',
  'enable_peg_parser',
  'disable_peg_parser',
  'check_peg_parser',
  'arrow_scan',
  'arrow_scan_dumb',
  'json_execute_serialized_sql',
  'query_table',
  'read_blob',
  'read_text',
  'read_csv',
  'read_csv_auto',
  'read_json',
  'read_json_auto',
  'read_json_objects',
  'read_json_objects_auto',
  'read_ndjson',
  'read_ndjson_auto',
  'read_ndjson_objects',
  'read_ndjson_objects_auto',
  'read_parquet',
  'parquet_scan',
  'read_duckdb',
  'sniff_csv',
  'import_database',
  'copy_database',
  'disable_checkpoint_on_shutdown',
  'enable_checkpoint_on_shutdown',
  'enable_verification',
  'disable_verification',
  'enable_object_cache',
  'disable_object_cache',
  'disable_optimizer',
  'enable_optimizer',
];

const DENIED_WORDS = new RegExp(`\\b(${DENIED_NAMES.join('|')})\\b`, 'i');
// Everyday words (a `query` column, the GLOB operator) are refused only as calls; quotes
// and comments may sit before the parenthesis. The parquet_* readers all read files.
const DENIED_CALL = /\b(query|glob|parquet_\w+)\b(?:["\s]|\/\*[\s\S]*?\*\/|--[^\n]*\n)*\(/i;

const REFUSED_TYPES = new Set<StatementType>([
  StatementType.COPY,
  StatementType.COPY_DATABASE,
  StatementType.EXPORT,
  StatementType.LOAD,
  StatementType.EXTENSION,
  StatementType.ATTACH,
  StatementType.DETACH,
  StatementType.UPDATE_EXTENSIONS,
]);

/**
 * Refuses text naming a denied function. Runs before DuckDB parses or binds anything:
 * binding a table function can already act (enable_logging, file readers).
 *
 * @example
 * assertAllowedText("SELECT * FROM read_blob('warehouse.duckdb')"); // throws ERR_WAREHOUSE
 */
export function assertAllowedText(sql: string): void {
  const word = DENIED_WORDS.exec(sql)?.[1] ?? DENIED_CALL.exec(sql)?.[1];
  if (word !== undefined) throw refused(`'${word.toLowerCase()}' is not available on the local warehouse`);
}

/**
 * Refuses statement kinds that reach outside the database (COPY, EXPORT, ATTACH, LOAD,
 * INSTALL). The classifier upstream is the gate; this is the adapter's own floor beneath it.
 *
 * @example
 * assertAllowedType(StatementType.COPY); // throws ERR_WAREHOUSE
 */
export function assertAllowedType(type: StatementType): void {
  if (REFUSED_TYPES.has(type)) throw refused(`${StatementType[type]} statements are not available on the local warehouse`);
}

function refused(message: string): AirlockError {
  return new AirlockError('ERR_WAREHOUSE', message, { details: { sqlState: '42501', errorType: 'Permission' } });
}
