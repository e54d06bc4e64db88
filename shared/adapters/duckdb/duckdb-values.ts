import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDecimalType,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  DuckDBUnionValue,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';

/**
 * DuckDB type → the Snowflake-like name clients see, so local and production
 * results read the same (`NUMBER(38,0)` for every integer, as Snowflake reports).
 *
 * @example
 * snowflakeTypeName(new DuckDBDecimalType(10, 2)); // 'NUMBER(10,2)'
 */
export function snowflakeTypeName(type: DuckDBType): string {
  if (type.alias?.toUpperCase() === 'JSON') return 'VARIANT';
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'BOOLEAN';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return 'NUMBER(38,0)';
    case DuckDBTypeId.DECIMAL:
      return type instanceof DuckDBDecimalType ? `NUMBER(${type.width},${type.scale})` : 'NUMBER';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return 'FLOAT';
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.ENUM:
    case DuckDBTypeId.UUID:
    case DuckDBTypeId.INTERVAL:
    case DuckDBTypeId.BIT:
    case DuckDBTypeId.SQLNULL:
      return 'VARCHAR';
    case DuckDBTypeId.BLOB:
      return 'BINARY';
    case DuckDBTypeId.DATE:
      return 'DATE';
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_NS:
    case DuckDBTypeId.TIME_TZ:
      return 'TIME';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return 'TIMESTAMP_NTZ';
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'TIMESTAMP_TZ';
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return 'ARRAY';
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
    case DuckDBTypeId.UNION:
      return 'OBJECT';
    case DuckDBTypeId.VARIANT:
      return 'VARIANT';
    case DuckDBTypeId.GEOMETRY:
      return 'GEOMETRY';
    default:
      return type.toString();
  }
}

// Date covers ±8.64e15 ms; DuckDB timestamps reach further, and those fall back to DuckDB's text.
const MAX_DATE_MS = 8_640_000_000_000_000n;

/** Microseconds since the epoch → ISO 8601 UTC with 'Z', keeping sub-millisecond digits. */
export function isoFromMicros(micros: bigint): string | undefined {
  const ms = micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n);
  if (ms > MAX_DATE_MS || ms < -MAX_DATE_MS) return undefined;
  const sub = micros - ms * 1000n;
  const iso = new Date(Number(ms)).toISOString();
  return sub === 0n ? iso : `${iso.slice(0, -1)}${sub.toString().padStart(3, '0')}Z`;
}

function timestampMicros(value: DuckDBValue): bigint | undefined {
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) return value.micros;
  if (value instanceof DuckDBTimestampSecondsValue) return value.seconds * 1_000_000n;
  if (value instanceof DuckDBTimestampMillisecondsValue) return value.millis * 1000n;
  if (value instanceof DuckDBTimestampNanosecondsValue) return value.nanos / 1000n;
  return undefined;
}

function integer(value: bigint): number | string {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
}

/**
 * A DuckDB value → a JSON-safe value. Integers are numbers when exactly representable
 * (|n| ≤ 2^53 − 1), else decimal strings; DECIMAL is always its exact decimal string
 * ('12.50'), never a float, so money never picks up binary rounding; DATE is
 * 'YYYY-MM-DD'; timestamps are ISO 8601 UTC with 'Z'; BLOB is base64; LIST/ARRAY are
 * arrays, STRUCT and MAP are plain objects, JSON text is parsed.
 *
 * @example
 * toJsonSafe(new DuckDBDecimalValue(1250n, 10, 2), new DuckDBDecimalType(10, 2)); // '12.50'
 */
export function toJsonSafe(value: DuckDBValue, type: DuckDBType): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return integer(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (type.alias?.toUpperCase() !== 'JSON') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  const micros = timestampMicros(value);
  if (micros !== undefined) return isoFromMicros(micros) ?? value.toString();
  if (value instanceof DuckDBBlobValue) return Buffer.from(value.bytes).toString('base64');
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) {
    const itemType = 'valueType' in type ? (type.valueType as DuckDBType) : type;
    return value.items.map((item) => toJsonSafe(item, itemType));
  }
  if (value instanceof DuckDBStructValue) {
    const out: Record<string, unknown> = {};
    const names = 'entryNames' in type ? type.entryNames : [];
    const types = 'entryTypes' in type ? (type.entryTypes as readonly DuckDBType[]) : [];
    for (const [key, entry] of Object.entries(value.entries)) {
      const entryType = types[names.indexOf(key)] ?? type;
      out[key] = toJsonSafe(entry, entryType);
    }
    return out;
  }
  if (value instanceof DuckDBMapValue) {
    const out: Record<string, unknown> = {};
    const valueType = 'valueType' in type ? (type.valueType as DuckDBType) : type;
    for (const { key, value: v } of value.entries) out[String(key)] = toJsonSafe(v, valueType);
    return out;
  }
  if (value instanceof DuckDBUnionValue) {
    // The member's type is not carried on the value; its scalar form is still JSON-safe.
    const inner = value.value;
    const safe = typeof inner === 'bigint' ? integer(inner) : inner !== null && typeof inner === 'object' ? inner.toString() : inner;
    return { [value.tag]: safe };
  }
  // DECIMAL, DATE, TIME, INTERVAL, UUID, BIT, ENUM: DuckDB's own text is the exact, readable form.
  return value.toString();
}
