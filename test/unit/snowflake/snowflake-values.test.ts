import { describe, expect, it } from 'vitest';
import { isoTimestamp, snowflakeTypeName, toJsonSafe } from '#shared/adapters/snowflake/snowflake-values.js';

const col = (type: string, scale = 0, precision = 38) => ({ getName: () => 'C', getType: () => type, getScale: () => scale, getPrecision: () => precision });
const sfDate = (epochSeconds: number, nanos: number, scale: number, tz: unknown) =>
  Object.assign(new Date(epochSeconds * 1000), { getEpochSeconds: () => epochSeconds, getNanoSeconds: () => nanos, getScale: () => scale, getTimezone: () => tz });

describe('Snowflake values → JSON-safe', () => {
  it.each([
    ['fixed', 0, '9007199254740991', 9007199254740991],
    ['fixed', 0, '9007199254740993', '9007199254740993'],
    ['fixed', 0, '-99999999999999999999999999999999999999', '-99999999999999999999999999999999999999'],
    ['fixed', 2, '12.50', '12.50'],
    ['real', 0, '1.5', 1.5],
    ['real', 0, 'inf', 'inf'],
    ['real', 0, 'NaN', 'NaN'],
  ])('%s(scale %i) %s → %j', (type, scale, raw, out) => {
    expect(toJsonSafe(raw, col(type, scale))).toEqual(out);
  });

  it('keeps a TIMESTAMP_TZ wall clock with its offset, and LTZ/NTZ in UTC', () => {
    expect(toJsonSafe(sfDate(1700000000, 5_000_000, 9, -480), col('timestamp_tz', 9))).toBe('2023-11-14T14:13:20.005-08:00');
    expect(toJsonSafe(sfDate(1700000000, 0, 9, 'America/New_York'), col('timestamp_ltz', 9))).toBe('2023-11-14T22:13:20.000Z');
    expect(toJsonSafe(sfDate(1700000000, 0, 0, 'UTC'), col('timestamp_ntz', 0))).toBe('2023-11-14T22:13:20Z');
    expect(toJsonSafe(sfDate(-86400, 0, 0, 'UTC'), col('date'))).toBe('1969-12-31');
  });

  it('parses semi-structured text without ever evaluating it', () => {
    expect(toJsonSafe('{"a":[1,{"b":null}]}', col('variant'))).toEqual({ a: [1, { b: null }] });
    expect(toJsonSafe('[1,2]', col('array'))).toEqual([1, 2]);
    expect(toJsonSafe('{a: process.exit(1)}', col('object'))).toBe('{a: process.exit(1)}');
  });

  it('base64 for BINARY, trimmed fractions for TIME, null for null', () => {
    expect(toJsonSafe(Buffer.from([0xde, 0xad]), col('binary'))).toBe('3q0=');
    expect(toJsonSafe('01:02:03.500000000', col('time', 9))).toBe('01:02:03.5');
    expect(toJsonSafe('01:02:03.000000000', col('time', 9))).toBe('01:02:03');
    expect(toJsonSafe(null, col('text'))).toBeNull();
  });

  it('names types as Snowflake does', () => {
    expect(snowflakeTypeName(col('fixed', 2, 10))).toBe('NUMBER(10,2)');
    expect(snowflakeTypeName(col('timestamp_tz'))).toBe('TIMESTAMP_TZ');
    expect(snowflakeTypeName(col('text'))).toBe('VARCHAR');
    expect(snowflakeTypeName(col('geography'))).toBe('GEOGRAPHY');
  });

  it('isoTimestamp keeps up to nanoseconds and drops zeros beyond milliseconds', () => {
    expect(isoTimestamp(0, 123_456_789, 9)).toBe('1970-01-01T00:00:00.123456789Z');
    expect(isoTimestamp(0, 120_000_000, 9)).toBe('1970-01-01T00:00:00.120Z');
    expect(isoTimestamp(0, 0, 9, 330)).toBe('1970-01-01T05:30:00.000+05:30');
  });
});
