import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalType,
  DuckDBTimeValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBResultReader,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';

/** One column of a Snowflake JSON result, as `data.rowtype` carries it on the wire. */
export interface WireColumn {
  name: string;
  type: string;
  scale: number | null;
  precision: number | null;
  length: number | null;
  nullable: boolean;
  byteLength: number | null;
}

/** Cells travel as strings (or null), exactly as Snowflake's JSON result format sends them. */
export type WireRow = Array<string | null>;

function column(name: string, type: string, precision: number | null = null, scale: number | null = null): WireColumn {
  return { name, type, scale, precision, length: type === 'text' ? 16_777_216 : null, nullable: true, byteLength: null };
}

/**
 * DuckDB type → the Snowflake wire type (`fixed`, `real`, `text`, `timestamp_tz`, …) with
 * the precision/scale the driver reads to convert values.
 */
export function wireColumn(name: string, type: DuckDBType): WireColumn {
  if (type.alias?.toUpperCase() === 'JSON') return column(name, 'variant');
  switch (type.typeId) {
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
      return column(name, 'fixed', 38, 0);
    case DuckDBTypeId.DECIMAL:
      return type instanceof DuckDBDecimalType ? column(name, 'fixed', type.width, type.scale) : column(name, 'fixed', 38, 0);
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return column(name, 'real');
    case DuckDBTypeId.BOOLEAN:
      return column(name, 'boolean');
    case DuckDBTypeId.DATE:
      return column(name, 'date');
    case DuckDBTypeId.TIME:
      return column(name, 'time', 0, 9);
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return column(name, 'timestamp_ntz', 0, 9);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return column(name, 'timestamp_tz', 0, 9);
    case DuckDBTypeId.BLOB:
      return column(name, 'binary');
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return column(name, 'array');
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
      return column(name, 'object');
    default:
      return column(name, 'text');
  }
}

/** Microseconds since the epoch → Snowflake's "seconds.nanoseconds" text. */
function epochText(micros: bigint): string {
  const sec = micros >= 0n ? micros / 1_000_000n : -((-micros + 999_999n) / 1_000_000n);
  const frac = (micros - sec * 1_000_000n) * 1000n;
  return `${sec}.${frac.toString().padStart(9, '0')}`;
}

function jsonOf(value: DuckDBValue): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? Number(value) : value;
  if ('items' in value && Array.isArray(value.items)) return value.items.map((v: DuckDBValue) => jsonOf(v));
  if ('entries' in value && !Array.isArray(value.entries)) {
    return Object.fromEntries(Object.entries(value.entries as Record<string, DuckDBValue>).map(([k, v]) => [k, jsonOf(v)]));
  }
  return value.toString();
}

/** A DuckDB value → the string Snowflake would put in the rowset for that wire type. */
export function wireCell(value: DuckDBValue, col: WireColumn): string | null {
  if (value === null || value === undefined) return null;
  switch (col.type) {
    case 'boolean':
      return value === true ? '1' : '0';
    case 'date':
      return value instanceof DuckDBDateValue ? String(value.days) : String(value);
    case 'time':
      return value instanceof DuckDBTimeValue ? epochText(value.micros) : String(value);
    case 'timestamp_ntz':
      return value instanceof DuckDBTimestampValue ? epochText(value.micros) : String(value);
    case 'timestamp_tz':
      // DuckDB keeps the instant only; Snowflake's second field is the offset in minutes + 1440.
      return value instanceof DuckDBTimestampTZValue ? `${epochText(value.micros)} 1440` : String(value);
    case 'binary':
      return value instanceof DuckDBBlobValue ? Buffer.from(value.bytes).toString('hex').toUpperCase() : String(value);
    case 'variant':
      return typeof value === 'string' ? value : JSON.stringify(jsonOf(value));
    case 'array':
    case 'object':
      return JSON.stringify(jsonOf(value));
    default:
      return typeof value === 'string' ? value : value.toString();
  }
}

/** The session parameters a real Snowflake returns with each result; the driver needs BINARY_OUTPUT_FORMAT. */
export const RESULT_PARAMETERS = [
  { name: 'TIMEZONE', value: 'UTC' },
  { name: 'BINARY_OUTPUT_FORMAT', value: 'HEX' },
  { name: 'DATE_OUTPUT_FORMAT', value: 'YYYY-MM-DD' },
  { name: 'TIME_OUTPUT_FORMAT', value: 'HH24:MI:SS' },
  { name: 'TIMESTAMP_OUTPUT_FORMAT', value: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM' },
  { name: 'TIMESTAMP_NTZ_OUTPUT_FORMAT', value: 'YYYY-MM-DD HH24:MI:SS.FF3' },
  { name: 'TIMESTAMP_TZ_OUTPUT_FORMAT', value: '' },
  { name: 'TIMESTAMP_LTZ_OUTPUT_FORMAT', value: '' },
  { name: 'CLIENT_RESULT_CHUNK_SIZE', value: 160 },
];

/** A DuckDB result → Snowflake's rowtype (upper-case names, as Snowflake folds them) and wire rows. */
export function wireResult(reader: DuckDBResultReader) {
  const types = reader.columnTypes();
  const rowtype = reader.columnNames().map((name, i) => wireColumn(name.toUpperCase(), types[i]!));
  const rows: WireRow[] = reader.getRows().map((r) => r.map((v, i) => wireCell(v, rowtype[i]!)));
  return { rowtype, rows };
}
