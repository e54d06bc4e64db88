/**
 * The shape of a snowflake-sdk 3.3 column as its Column object exposes it. `getType()` is
 * the wire type: fixed, real, text, boolean, date, time, timestamp_ntz/ltz/tz, variant,
 * object, array, map, binary, geography, geometry, vector.
 */
export interface SnowflakeColumnLike {
  getName(): string;
  getType(): string;
  getScale(): number;
  getPrecision(): number;
}

/** The driver's dates (SfDate: a Date with extra getters) and times (SfTime). */
interface SfDateLike {
  getEpochSeconds(): number;
  getNanoSeconds(): number;
  getScale(): number;
  getTimezone(): unknown;
}
interface SfTimeLike {
  getMidnightSeconds(): number;
  getNanoSeconds(): number;
  getScale(): number;
}

const TYPE_NAMES: Record<string, string> = {
  real: 'FLOAT',
  text: 'VARCHAR',
  boolean: 'BOOLEAN',
  date: 'DATE',
  time: 'TIME',
  timestamp_ntz: 'TIMESTAMP_NTZ',
  timestamp_ltz: 'TIMESTAMP_LTZ',
  timestamp_tz: 'TIMESTAMP_TZ',
  variant: 'VARIANT',
  object: 'OBJECT',
  array: 'ARRAY',
  map: 'MAP',
  binary: 'BINARY',
  geography: 'GEOGRAPHY',
  geometry: 'GEOMETRY',
  vector: 'VECTOR',
};

/**
 * The Snowflake type name clients see in `columns` (`NUMBER(38,0)`, `TIMESTAMP_TZ`, …).
 *
 * @example
 * snowflakeTypeName({ getType: () => 'fixed', getPrecision: () => 10, getScale: () => 2, getName: () => 'AMOUNT' }); // 'NUMBER(10,2)'
 */
export function snowflakeTypeName(column: SnowflakeColumnLike): string {
  const type = column.getType();
  if (type === 'fixed') return `NUMBER(${column.getPrecision() ?? 38},${column.getScale() ?? 0})`;
  return TYPE_NAMES[type] ?? type.toUpperCase();
}

/** The statement-level `fetchAsString`: exact NUMBER text, and semi-structured text we parse ourselves. */
export const FETCH_AS_STRING = ['Number', 'JSON'] as const;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

// Trailing zeros beyond milliseconds carry nothing; dropping them matches the DuckDB adapter's text.
function fraction(nanos: number, scale: number): string {
  if (scale <= 0) return '';
  let digits = pad(Math.trunc(nanos), 9).slice(0, Math.min(scale, 9));
  while (digits.length > 3 && digits.endsWith('0')) digits = digits.slice(0, -1);
  return `.${digits}`;
}

function zone(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'Z';
  const abs = Math.abs(offsetMinutes);
  return `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
}

/**
 * Epoch seconds + nanoseconds → ISO 8601. With an offset, the wall-clock time is shown in
 * that zone with its `±HH:MM` (Snowflake's TIMESTAMP_TZ keeps it); without one, UTC with `Z`.
 *
 * @example
 * isoTimestamp(1700000000, 123456789, 9, 330); // '2023-11-15T03:43:20.123456789+05:30'
 */
export function isoTimestamp(epochSeconds: number, nanos: number, scale: number, offsetMinutes = 0): string {
  const wall = new Date((epochSeconds + offsetMinutes * 60) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  return `${wall.slice(0, wall.lastIndexOf('.'))}${fraction(nanos, scale)}${zone(offsetMinutes)}`;
}

function isoDate(epochSeconds: number): string {
  const iso = new Date(epochSeconds * 1000).toISOString();
  return iso.slice(0, iso.indexOf('T'));
}

function isoTime(t: SfTimeLike): string {
  const s = t.getMidnightSeconds();
  return `${pad(Math.floor(s / 3600), 2)}:${pad(Math.floor((s % 3600) / 60), 2)}:${pad(s % 60, 2)}${fraction(t.getNanoSeconds(), t.getScale())}`;
}

function numberFromText(text: string, type: string, scale: number): number | string {
  if (type === 'real') {
    const n = Number(text);
    return Number.isFinite(n) ? n : text;
  }
  // An exact decimal stays its text ('12.50'), like the DuckDB adapter; integers are numbers only when exact.
  if (scale > 0) return text;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Non-strict output (NaN, undefined) stays text: the driver would eval it; we never do.
    return text;
  }
}

/**
 * A value from snowflake-sdk (fetched with FETCH_AS_STRING) → a JSON-safe value:
 * NUMBER beyond 2^53 or with a scale as its exact text, FLOAT as a number (NaN/inf as text),
 * DATE as `YYYY-MM-DD`, TIME as `HH:MM:SS[.f]`, timestamps ISO 8601 with their zone,
 * VARIANT/OBJECT/ARRAY parsed, BINARY as base64.
 *
 * @example
 * toJsonSafe('12345678901234567890', column); // '12345678901234567890' for a NUMBER(38,0) column
 */
export function toJsonSafe(value: unknown, column: SnowflakeColumnLike): unknown {
  if (value === null || value === undefined) return null;
  const type = column.getType();
  if (type === 'fixed' || type === 'real') return typeof value === 'string' ? numberFromText(value, type, column.getScale() ?? 0) : value;
  if (type === 'variant' || type === 'object' || type === 'array' || type === 'map') return typeof value === 'string' ? parseJson(value) : value;
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (type === 'time' && typeof value === 'object' && 'getMidnightSeconds' in value) return isoTime(value as SfTimeLike);
  // snowflake-sdk 3.3 returns TIME as text in TIME_OUTPUT_FORMAT; zeros after the last digit carry nothing.
  if (type === 'time' && typeof value === 'string') return value.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  if (typeof value === 'object' && 'getEpochSeconds' in value) {
    const d = value as SfDateLike;
    if (type === 'date') return isoDate(d.getEpochSeconds());
    const tz = d.getTimezone();
    const offset = type === 'timestamp_tz' && typeof tz === 'number' ? tz : 0;
    return isoTimestamp(d.getEpochSeconds(), d.getNanoSeconds(), d.getScale(), offset);
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  return value;
}
