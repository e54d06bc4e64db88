import { CATALOG_SQL } from '../adapters/catalog/information-schema-catalog.js';
import { GOVERNANCE_CATALOG_SQL } from '../governance/read-governance-catalog.js';

/** Airlock's own queries that are not an agent's request: tagged `{"airlock":{"housekeeping":KIND}}`. */
export type HousekeepingKind = 'catalog' | 'query_history' | 'login_check' | 'governance_catalog' | 'source_masking_check';

/** A stored identifier as `ident()` (governance-plan.ts) writes it: plain upper case, or double-quoted. */
const IDENT = '(?:[A-Z_][A-Z0-9_$]*|"(?:[^"]|"")+")';
/** The source-masking check's probe: one column of one table, one row (docs/snowflake-governance.md). */
const PROBE = new RegExp(`^SELECT ${IDENT} FROM ${IDENT}\\.${IDENT}\\.${IDENT} LIMIT 1$`);

/** The QUERY_TAG of one of Airlock's housekeeping queries. */
export function housekeepingTag(kind: HousekeepingKind): string {
  return JSON.stringify({ airlock: { housekeeping: kind } });
}

/** The exact texts of each kind: a housekeeping tag on any other text is not trusted (anyone with the key can set a tag). */
const TEXTS: Record<HousekeepingKind, (sql: string) => boolean> = {
  catalog: (sql) => sql === CATALOG_SQL,
  login_check: (sql) => /^SELECT 1$/i.test(sql.trim()),
  // `airlock snowflake plan|check` and the runtime's source-masking check (GET /v1/health).
  governance_catalog: (sql) => sql === GOVERNANCE_CATALOG_SQL,
  source_masking_check: (sql) => PROBE.test(sql),
  query_history: (sql) =>
    /^SELECT QUERY_ID, QUERY_TEXT, QUERY_TAG, USER_NAME, EXECUTION_STATUS, ERROR_CODE, [^;]* FROM (TABLE\(INFORMATION_SCHEMA\.QUERY_HISTORY_BY_USER\(USER_NAME => '[A-Za-z0-9_$]+', END_TIME_RANGE_START => TO_TIMESTAMP_LTZ\('[0-9T:.Z-]+'\), END_TIME_RANGE_END => TO_TIMESTAMP_LTZ\('[0-9T:.Z-]+'\), RESULT_LIMIT => \d+\)\)|SNOWFLAKE\.ACCOUNT_USAGE\.QUERY_HISTORY WHERE USER_NAME = '[A-Za-z0-9_$]+' AND END_TIME BETWEEN TO_TIMESTAMP_LTZ\('[0-9T:.Z-]+'\) AND TO_TIMESTAMP_LTZ\('[0-9T:.Z-]+'\)) ORDER BY END_TIME$/.test(
      sql,
    ),
};

/**
 * The housekeeping kind a query's tag claims, when its text is exactly what Airlock sends for
 * that kind; `{ claimed, genuine: false }` for a housekeeping tag on other text; null when the tag
 * claims no housekeeping. The legacy catalog tag `{"airlock":{"catalog":true}}` counts as `catalog`.
 */
export function housekeepingOf(tag: unknown, sql: string): { kind: string; genuine: boolean } | null {
  if (typeof tag !== 'object' || tag === null) return null;
  const a = (tag as { airlock?: unknown }).airlock;
  if (typeof a !== 'object' || a === null) return null;
  const o = a as Record<string, unknown>;
  const kind = typeof o['housekeeping'] === 'string' ? o['housekeeping'] : o['catalog'] === true ? 'catalog' : null;
  if (kind === null) return null;
  const check = Object.hasOwn(TEXTS, kind) ? TEXTS[kind as HousekeepingKind] : undefined;
  return { kind, genuine: check !== undefined && check(sql) };
}
