import { createHmac } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { CannedResult } from './fake-snowflake-server.js';
import type { WireColumn } from './fake-snowflake-wire.js';

type Answer = CannedResult | { error: { code: string; message: string; sqlState: string } } | undefined;

/** DuckDB type → the name Snowflake's information_schema.columns.data_type reports. */
function snowflakeType(duck: string): string {
  const t = duck.toUpperCase();
  if (t.startsWith('VARCHAR')) return 'TEXT';
  if (/^(DECIMAL|INTEGER|BIGINT|SMALLINT|TINYINT|HUGEINT)/.test(t)) return 'NUMBER';
  if (t === 'DOUBLE' || t === 'FLOAT') return 'FLOAT';
  if (t === 'TIMESTAMP') return 'TIMESTAMP_NTZ';
  if (t === 'TIMESTAMP WITH TIME ZONE') return 'TIMESTAMP_TZ';
  if (t === 'BLOB') return 'BINARY';
  return t; // DATE, TIME, BOOLEAN
}

/** Masking-policy signature type of a Snowflake data_type (the fake's own table, independent of the product's). */
const SIGNATURE: Record<string, string> = { TEXT: 'STRING', NUMBER: 'NUMBER', FLOAT: 'FLOAT', BOOLEAN: 'BOOLEAN', DATE: 'DATE', TIME: 'TIME', TIMESTAMP_NTZ: 'TIMESTAMP_NTZ', TIMESTAMP_TZ: 'TIMESTAMP_TZ', BINARY: 'BINARY' };

const text = (name: string): WireColumn => ({ name, type: 'text', scale: null, precision: null, length: 16_777_216, nullable: true, byteLength: null });
const ok = (): CannedResult => ({ rowtype: [text('status')], rowset: [['Statement executed successfully.']] });
const err = (code: string, message: string, sqlState = '42000'): Answer => ({ error: { code, message: `SQL compilation error: ${message}`, sqlState } });

/**
 * Snowflake governance state for the fake wire server (the `intercept` option): it records every DDL statement with
 * the session's role, keeps tags, masking/projection policies, tag → policy bindings and column tags, answers
 * POLICY_REFERENCES / TAG_REFERENCES_ALL_COLUMNS / information_schema.columns (with data_type, Snowflake names,
 * upper case, database `database`) from that state, and evaluates the masking of `SELECT <col> FROM <db>.<s>.<t> LIMIT 1`
 * for a session whose role is the one a bound policy's `IS_ROLE_IN_SESSION('…')` names.
 *
 * @example
 * const gov = fakeGovernance({ database: 'DEMO' });
 * const sf = await startFakeSnowflake({ intercept: gov.intercept, seed }); gov.attach(sf.duckdb);
 * gov.failOn('SET TAG'); // the next matching statement fails with 003001
 */
export function fakeGovernance(opts: { database: string }) {
  const database = opts.database.toUpperCase();
  let conn: DuckDBConnection | null = null;
  const ddl: Array<{ sql: string; role: string }> = [];
  const schemas = new Set<string>();
  const tags = new Set<string>();
  const functions = new Map<string, string>();
  const policies = new Map<string, { type: string; body: string }>();
  const projections = new Set<string>();
  const bindings = new Map<string, string>(); // `${tag}|${type}` → policy
  const columnTags = new Map<string, Map<string, string>>(); // DB.S.T.COL → tag → value
  const columnProjection = new Map<string, string>();
  const control: { failOn: string | null } = { failOn: null };

  async function columns(): Promise<Array<[string, string, string, string, string]>> {
    return (await catalog()).map((c) => c.slice(0, 5) as [string, string, string, string, string]);
  }

  /** Columns with Snowflake's numeric_precision / numeric_scale (NUMBER only; integers are NUMBER(38,0) in Snowflake). */
  async function catalog(): Promise<Array<[string, string, string, string, string, string | null, string | null]>> {
    if (conn === null) throw new Error('fakeGovernance: attach(duckdb) first');
    const r = await conn.runAndReadAll(
      "SELECT table_schema, table_name, column_name, data_type, numeric_precision, numeric_scale FROM information_schema.columns WHERE table_schema NOT IN ('information_schema', 'pg_catalog') ORDER BY table_schema, table_name, ordinal_position",
    );
    return r.getRows().map((row) => {
      const duck = String(row[3]);
      const type = snowflakeType(duck);
      const decimal = /^DECIMAL\((\d+),(\d+)\)/i.exec(duck);
      const [p, sc] = type !== 'NUMBER' ? [null, null] : decimal ? [decimal[1]!, decimal[2]!] : ['38', '0'];
      return [database, String(row[0]).toUpperCase(), String(row[1]).toUpperCase(), String(row[2]).toUpperCase(), type, p, sc];
    });
  }

  async function columnType(table: string, column: string): Promise<string | null> {
    const found = (await columns()).find((c) => `${c[0]}.${c[1]}.${c[2]}` === table && c[3] === column);
    return found === undefined ? null : found[4];
  }

  const rows = (names: string[], values: Array<Array<string | null>>): CannedResult => ({ rowtype: names.map(text), rowset: values });

  async function intercept(sql: string, session: { role: string }): Promise<Answer> {
    const s = sql.trim();
    if (/^SELECT table_catalog, table_schema, table_name, column_name, data_type, numeric_precision, numeric_scale FROM information_schema\.columns/i.test(s)) {
      return rows(['TABLE_CATALOG', 'TABLE_SCHEMA', 'TABLE_NAME', 'COLUMN_NAME', 'DATA_TYPE', 'NUMERIC_PRECISION', 'NUMERIC_SCALE'], await catalog());
    }
    const tagRefs = /TAG_REFERENCES_ALL_COLUMNS\('([^']+)', 'table'\)/i.exec(s);
    if (tagRefs) {
      const table = tagRefs[1]!.toUpperCase();
      const out: Array<Array<string | null>> = [];
      for (const [col, t] of columnTags) {
        if (!col.startsWith(`${table}.`)) continue;
        for (const [tag, value] of t) {
          const [db, sch, name] = tag.split('.');
          out.push([db!, sch!, name!, value, col.slice(table.length + 1)]);
        }
      }
      return rows(['TAG_DATABASE', 'TAG_SCHEMA', 'TAG_NAME', 'TAG_VALUE', 'COLUMN_NAME'], out);
    }
    const byPolicy = /POLICY_REFERENCES\(POLICY_NAME => '([^']+)'\)/i.exec(s);
    if (byPolicy) {
      const name = byPolicy[1]!.toUpperCase();
      if (!policies.has(name)) return err('002003', `Masking policy '${name}' does not exist or not authorized.`, '02000');
      const out = [...bindings].filter(([, p]) => p === name).map(([key]) => [...key.split('|')[0]!.split('.'), 'TAG']);
      return rows(['REF_DATABASE_NAME', 'REF_SCHEMA_NAME', 'REF_ENTITY_NAME', 'REF_ENTITY_DOMAIN'], out);
    }
    const polRefs = /POLICY_REFERENCES\(REF_ENTITY_NAME => '([^']+)'/i.exec(s);
    if (polRefs) {
      const table = polRefs[1]!.toUpperCase();
      const out: Array<Array<string | null>> = [];
      for (const [col, t] of columnTags) {
        if (!col.startsWith(`${table}.`)) continue;
        const name = col.slice(table.length + 1);
        const type = await columnType(table, name);
        for (const tag of t.keys()) {
          const policy = bindings.get(`${tag}|${SIGNATURE[type ?? ''] ?? ''}`);
          if (policy === undefined) continue;
          const [db, sch, pn] = policy.split('.');
          out.push([db!, sch!, pn!, 'MASKING_POLICY', name, tag.split('.')[2]!]);
        }
      }
      for (const [col, policy] of columnProjection) {
        if (!col.startsWith(`${table}.`)) continue;
        const [db, sch, pn] = policy.split('.');
        out.push([db!, sch!, pn!, 'PROJECTION_POLICY', col.slice(table.length + 1), null]);
      }
      return rows(['POLICY_DB', 'POLICY_SCHEMA', 'POLICY_NAME', 'POLICY_KIND', 'REF_COLUMN_NAME', 'TAG_NAME'], out);
    }
    const probe = /^SELECT (\w+) FROM (\w+)\.(\w+)\.(\w+) LIMIT 1$/i.exec(s);
    if (probe) return maskedProbe(probe[1]!.toUpperCase(), `${probe[2]!.toUpperCase()}.${probe[3]!.toUpperCase()}.${probe[4]!.toUpperCase()}`, session.role);
    if (!/^(CREATE|ALTER)\s/i.test(s)) return undefined;

    ddl.push({ sql: s, role: session.role });
    if (control.failOn !== null && s.includes(control.failOn)) {
      control.failOn = null;
      return err('003001', `Insufficient privileges to operate on '${s.slice(0, 40).replace(/\s+/g, ' ')}…'`, '42501');
    }
    let m: RegExpExecArray | null;
    if ((m = /^CREATE SCHEMA IF NOT EXISTS (\S+)$/i.exec(s))) return schemas.add(m[1]!.toUpperCase()), ok();
    const inSchema = (name: string) => schemas.has(name.split('.').slice(0, 2).join('.'));
    if ((m = /^CREATE TAG IF NOT EXISTS (\S+) ALLOWED_VALUES 'redact', 'partial', 'pseudonym'/i.exec(s))) {
      if (!inSchema(m[1]!)) return err('002003', `Schema '${m[1]}' does not exist or not authorized.`, '02000');
      return tags.add(m[1]!), ok();
    }
    if ((m = /^CREATE OR REPLACE SECURE FUNCTION (\S+)\(val VARCHAR\)[\s\S]*KEY = bytes\.fromhex\('([0-9a-f<>A-Z_]+)'\)/i.exec(s))) return functions.set(m[1]!, m[2]!), ok();
    if ((m = /^CREATE MASKING POLICY IF NOT EXISTS (\S+) AS \(val (\w+)\) RETURNS (\w+) ->\s*([\s\S]*)$/i.exec(s))) {
      if (m[2] !== m[3]) return err('002057', 'masking policy signature and return type differ');
      // Snowflake (BCR 2023_01): a tag named in SYSTEM$GET_TAG_ON_CURRENT_COLUMN must exist when the policy is created.
      for (const ref of m[4]!.matchAll(/SYSTEM\$GET_TAG_ON_CURRENT_COLUMN\('([^']+)'\)/g)) {
        if (!tags.has(ref[1]!)) return err('002003', `Tag '${ref[1]}' does not exist or not authorized.`, '02000');
      }
      if (!policies.has(m[1]!)) policies.set(m[1]!, { type: m[2]!.toUpperCase(), body: m[4]! });
      return ok();
    }
    if ((m = /^ALTER MASKING POLICY (\S+) SET BODY ->\s*([\s\S]*)$/i.exec(s))) {
      const p = policies.get(m[1]!);
      if (p === undefined) return err('002003', `Masking policy '${m[1]}' does not exist or not authorized.`, '02000');
      return (p.body = m[2]!), ok();
    }
    if ((m = /^CREATE PROJECTION POLICY IF NOT EXISTS (\S+) AS \(\) RETURNS PROJECTION_CONSTRAINT ->/i.exec(s))) return projections.add(m[1]!), ok();
    if ((m = /^ALTER PROJECTION POLICY (\S+) SET BODY ->/i.exec(s))) return projections.has(m[1]!) ? ok() : err('002003', 'projection policy does not exist', '02000');
    if ((m = /^ALTER TAG (\S+) SET MASKING POLICY (\S+)( FORCE)?$/i.exec(s))) {
      const p = policies.get(m[2]!);
      if (!tags.has(m[1]!) || p === undefined) return err('002003', 'Tag or masking policy does not exist or not authorized.', '02000');
      const key = `${m[1]!}|${p.type}`;
      if (bindings.has(key) && m[3] === undefined) return err('003214', `Tag already has a masking policy for data type ${p.type}.`);
      return bindings.set(key, m[2]!), ok();
    }
    if ((m = /^ALTER TABLE (\w+)\.(\w+)\.(\w+) MODIFY COLUMN (\w+) (SET TAG (\S+) = '(\w+)'|UNSET TAG (\S+)|SET PROJECTION POLICY (\S+) FORCE)$/i.exec(s))) {
      const table = `${m[1]}.${m[2]}.${m[3]}`.toUpperCase();
      const col = m[4]!.toUpperCase();
      if ((await columnType(table, col)) === null) return err('002003', `Column '${col}' of '${table}' does not exist or not authorized.`, '02000');
      const key = `${table}.${col}`;
      if (m[6] !== undefined) {
        if (!tags.has(m[6])) return err('002003', `Tag '${m[6]}' does not exist or not authorized.`, '02000');
        const t = columnTags.get(key) ?? new Map<string, string>();
        t.set(m[6], m[7]!);
        columnTags.set(key, t);
      } else if (m[8] !== undefined) columnTags.get(key)?.delete(m[8]);
      else if (m[9] !== undefined) columnProjection.set(key, m[9]);
      return ok();
    }
    return err('001003', `syntax error: the fake does not know '${s.slice(0, 60)}'`);
  }

  /** The column's value, masked as Snowflake would for `role` by the policy bound to the column's tag and type. */
  async function maskedProbe(column: string, table: string, role: string): Promise<Answer> {
    const type = await columnType(table, column);
    if (type === null || conn === null) return err('002003', `Object '${table}' does not exist or not authorized.`, '02000');
    const [, schema, name] = table.split('.');
    const r = await conn.runAndReadAll(`SELECT CAST("${column.toLowerCase()}" AS VARCHAR) FROM ${schema!.toLowerCase()}.${name!.toLowerCase()} LIMIT 1`);
    const raw = r.getRows()[0]?.[0];
    const value = raw === undefined ? undefined : raw === null ? null : String(raw);
    let out = value;
    for (const [tag, rule] of columnTags.get(`${table}.${column}`) ?? []) {
      const policyName = bindings.get(`${tag}|${SIGNATURE[type] ?? ''}`);
      const policy = policyName === undefined ? undefined : policies.get(policyName);
      const maskedRole = policy === undefined ? undefined : /IS_ROLE_IN_SESSION\('([^']+)'\)/.exec(policy.body)?.[1];
      if (maskedRole === undefined || maskedRole !== role || value === null || value === undefined) continue;
      if (type !== 'TEXT') out = null;
      else if (rule === 'pseudonym') out = `tok_${createHmac('sha256', 'fake-source-key').update(value.trim()).digest('hex').slice(0, 16)}`;
      else if (rule === 'partial' && /^[^@]*\d[^@]*$/.test(value) && value.length >= 8) out = value.slice(0, -4).replace(/[A-Za-z0-9]/g, '*') + value.slice(-4);
      else out = '[REDACTED]';
    }
    return rows([column], out === undefined ? [] : [[out]]);
  }

  return {
    intercept,
    attach(c: DuckDBConnection): void {
      conn = c;
    },
    /** Every CREATE/ALTER received, with the session role, in order. */
    ddl,
    columnTags,
    bindings,
    columnProjection,
    functions,
    /** The next statement containing `part` fails with 003001 (insufficient privileges). */
    failOn(part: string): void {
      control.failOn = part;
    },
  };
}

export type FakeGovernance = ReturnType<typeof fakeGovernance>;
