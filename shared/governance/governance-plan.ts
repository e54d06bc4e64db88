import { AirlockError } from '../errors.js';
import { columnRuleMatches, compileColumnRule } from '../masking/column-pattern.js';
import { stricterRule } from '../masking/rule-strictness.js';
import type { ColumnRule, MaskRule } from '../masking/types.js';

/** One column of the warehouse catalog, with Snowflake's `information_schema.columns.data_type`. */
export interface GovernanceColumn {
  database: string;
  schema: string;
  table: string;
  column: string;
  dataType: string;
  /** `numeric_precision` / `numeric_scale` (NUMBER columns): a NUMBER token must fit them. */
  precision?: number;
  scale?: number;
}

/** A Snowflake masking-policy signature type: one tag-based policy per type (Snowflake allows one per type on a tag). */
export type PolicyType = 'STRING' | 'NUMBER' | 'FLOAT' | 'BOOLEAN' | 'DATE' | 'TIME' | 'TIMESTAMP_NTZ' | 'TIMESTAMP_LTZ' | 'TIMESTAMP_TZ' | 'BINARY' | 'VARIANT' | 'OBJECT' | 'ARRAY';

export type GovernanceStep =
  | 'schema'
  | 'tag'
  | 'pseudonym-function'
  | 'masking-policy'
  | 'projection-policy'
  | 'tag-policy'
  | 'column-tag'
  | 'column-projection'
  | 'column-untag';

/** One DDL statement of the plan. `sql` never contains the pseudonym key (see `secretSql`). */
export interface GovernanceStatement {
  step: GovernanceStep;
  sql: string;
  /** Only for the pseudonym function: the statement with the real key, run by `apply`, never printed or recorded. */
  secretSql?: string;
  /** The column it tags, for column steps: DB.SCHEMA.TABLE.COLUMN as stored. */
  column?: string;
  rule?: MaskRule;
  policyType?: PolicyType;
}

/** A column the policy masks, with its rule and the policy type its data type maps to. */
export interface MaskedColumn extends GovernanceColumn {
  rule: MaskRule;
  policyType: PolicyType | null;
}

export interface GovernanceNames {
  /** DB.SCHEMA holding the tag, the policies and the pseudonym function. */
  schema: string;
  tag: string;
  pseudonymFunction: string;
  projectionPolicy: string;
  policyFor(type: PolicyType): string;
}

export interface PlanInput {
  rules: readonly ColumnRule[];
  columns: readonly GovernanceColumn[];
  /** The role Airlock's service user runs as: masked for it, raw for everyone else. */
  airlockRole: string;
  /** DB.SCHEMA for the governance objects. */
  governanceSchema: string;
  /** Add a projection policy (column cannot be selected by Airlock's role) to every `redact` column. */
  projection?: boolean;
  /** The pseudonym key as hex; absent → `<AIRLOCK_SOURCE_MASKING_KEY>` placeholder (plan output). */
  pseudonymKeyHex?: string;
}

export interface GovernancePlan {
  statements: GovernanceStatement[];
  masked: MaskedColumn[];
  /** Masked columns whose data type has no source policy: masked only by the gateway. */
  unsupported: MaskedColumn[];
  names: GovernanceNames;
}

export const TAG_NAME = 'AIRLOCK_MASK';
export const KEY_PLACEHOLDER = '<AIRLOCK_SOURCE_MASKING_KEY>';
/** What `redact` returns for strings: the same text the gateway uses. */
export const REDACTED_TEXT = '[REDACTED]';

const IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** Quotes a stored identifier when Snowflake would not read it back as-is unquoted. */
export function ident(name: string): string {
  if (IDENT.test(name) && name === name.toUpperCase()) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function checkQualifiedName(name: string, parts: number, what: string): string[] {
  const split = name.split('.');
  if (split.length !== parts || split.some((p) => !IDENT.test(p))) {
    throw new AirlockError('ERR_VALIDATION', `${what} must be ${parts === 1 ? 'an unquoted identifier' : `${parts} unquoted identifiers separated by dots`}`);
  }
  return split.map((p) => p.toUpperCase());
}

/**
 * information_schema `data_type` → the masking policy signature type. Snowflake reports TEXT, NUMBER, FLOAT,
 * TIMESTAMP_NTZ …; synonyms (VARCHAR, INTEGER, DECIMAL, DOUBLE, TIMESTAMP) are accepted too. Null: no policy
 * (GEOGRAPHY, GEOMETRY, VECTOR …): such a column stays masked only by the gateway, and the plan says so.
 */
export function policyTypeOf(dataType: string): PolicyType | null {
  const t = dataType.toUpperCase().replace(/\(.*$/, '').trim();
  if (['TEXT', 'VARCHAR', 'STRING', 'CHAR', 'CHARACTER', 'NCHAR', 'NVARCHAR'].includes(t)) return 'STRING';
  if (['NUMBER', 'DECIMAL', 'NUMERIC', 'INT', 'INTEGER', 'BIGINT', 'SMALLINT', 'TINYINT', 'BYTEINT', 'HUGEINT'].includes(t)) return 'NUMBER';
  if (['FLOAT', 'FLOAT4', 'FLOAT8', 'DOUBLE', 'DOUBLE PRECISION', 'REAL'].includes(t)) return 'FLOAT';
  if (t === 'BOOLEAN') return 'BOOLEAN';
  if (t === 'DATE') return 'DATE';
  if (t === 'TIME') return 'TIME';
  if (t === 'TIMESTAMP_NTZ' || t === 'TIMESTAMP' || t === 'DATETIME') return 'TIMESTAMP_NTZ';
  if (t === 'TIMESTAMP_LTZ') return 'TIMESTAMP_LTZ';
  if (t === 'TIMESTAMP_TZ' || t === 'TIMESTAMP WITH TIME ZONE') return 'TIMESTAMP_TZ';
  if (t === 'BINARY' || t === 'VARBINARY' || t === 'BLOB') return 'BINARY';
  if (t === 'VARIANT' || t === 'JSON') return 'VARIANT';
  if (t === 'OBJECT') return 'OBJECT';
  if (t === 'ARRAY') return 'ARRAY';
  return null;
}

/**
 * The columns the gateway masks, by the same matcher (`columnRuleMatches`, parts aligned from the right), with the
 * strictest rule when several patterns match — exactly the gateway's choice for a column of a known table. Names are
 * upper-cased before matching, as the gateway does (column-sensitivity.ts): a quoted lower-case "email" is masked too.
 */
export function maskedColumns(rules: readonly ColumnRule[], columns: readonly GovernanceColumn[]): MaskedColumn[] {
  const compiled = rules.map(compileColumnRule);
  const out: MaskedColumn[] = [];
  for (const c of columns) {
    if (c.schema.toUpperCase() === 'INFORMATION_SCHEMA') continue;
    const objectParts = [c.database.toUpperCase(), c.schema.toUpperCase(), c.table.toUpperCase()];
    let rule: MaskRule | null = null;
    for (const r of compiled) if (columnRuleMatches(r, objectParts, c.column.toUpperCase(), false)) rule = stricterRule(rule, r.rule);
    if (rule !== null) out.push({ ...c, rule, policyType: policyTypeOf(c.dataType) });
  }
  return out;
}

export function governanceNames(governanceSchema: string): GovernanceNames {
  const schema = checkQualifiedName(governanceSchema, 2, '--schema').join('.');
  return {
    schema,
    tag: `${schema}.${TAG_NAME}`,
    pseudonymFunction: `${schema}.AIRLOCK_PSEUDONYM`,
    projectionPolicy: `${schema}.AIRLOCK_NO_PROJECTION`,
    policyFor: (type) => `${schema}.AIRLOCK_MASK_${type}`,
  };
}

export function columnName(c: GovernanceColumn): string {
  return `${c.database}.${c.schema}.${c.table}.${c.column}`;
}

export function tableSql(c: GovernanceColumn): string {
  return `${ident(c.database)}.${ident(c.schema)}.${ident(c.table)}`;
}

/** At most this many decimal digits in a NUMBER token: 48 bits of the HMAC are < 2^48 ≈ 2.8 × 10^14. */
export const MAX_NUMBER_TOKEN_DIGITS = 15;
/** Date and timestamp tokens fall in 2200-01-01 … 2299-12-31: a range no real value of the column is in, so `check` tells them apart. */
export const TOKEN_EPOCH = '2200-01-01';
/** Days (and the seconds in them) from 2200-01-01 to 2299-12-31 inclusive: 100 years, 24 of them leap years. */
export const TOKEN_RANGE_DAYS = 36_524;

/** 48 bits of the keyed pseudonym of `text` (an SQL expression of type VARCHAR) as a NUMBER: equal texts → equal numbers. */
function tokenNumber(text: string, names: GovernanceNames): string {
  return `TO_NUMBER(SUBSTR(${names.pseudonymFunction}(${text}), 5, 12), 'XXXXXXXXXXXX')`;
}

/**
 * The text each type is hashed from: fixed formats, never the session's output format parameters, so that equal
 * values give equal tokens in every session (dates as YYYY-MM-DD, timestamps as nanoseconds since the epoch).
 */
function tokenInput(type: PolicyType): string {
  if (type === 'DATE') return "TO_VARCHAR(val, 'YYYY-MM-DD')";
  if (type === 'TIMESTAMP_NTZ' || type === 'TIMESTAMP_LTZ' || type === 'TIMESTAMP_TZ') return 'TO_VARCHAR(DATE_PART(EPOCH_NANOSECOND, val))';
  return 'TO_VARCHAR(val)';
}

/**
 * The keyed token of the column's own type for `pseudonym`, or null where Snowflake cannot hold one truthfully:
 * TIME (every value of a day is a real time, so a token could not be told from a value, and there are only
 * 86,400 of them), BOOLEAN (a one-bit token keeps who shares a value: the value up to one unknown flip), BINARY,
 * VARIANT, OBJECT, ARRAY (a token would change the value's shape). Those mask to NULL.
 */
function typedToken(type: PolicyType, names: GovernanceNames, numberDigits: number): string | null {
  const n = tokenNumber(tokenInput(type), names);
  switch (type) {
    case 'NUMBER':
      // The narrowest pseudonym NUMBER column decides the width (one policy per type on a tag); none → NULL.
      if (numberDigits <= 0) return null;
      return numberDigits >= MAX_NUMBER_TOKEN_DIGITS ? n : `MOD(${n}, ${10 ** numberDigits})`;
    case 'FLOAT':
      return `TO_DOUBLE(${n})`;
    case 'DATE':
      return `DATEADD(DAY, MOD(${n}, ${TOKEN_RANGE_DAYS}), TO_DATE('${TOKEN_EPOCH}'))`;
    case 'TIMESTAMP_NTZ':
      return `DATEADD(SECOND, MOD(${n}, ${TOKEN_RANGE_DAYS * 86_400}), TO_TIMESTAMP_NTZ('${TOKEN_EPOCH} 00:00:00'))`;
    case 'TIMESTAMP_LTZ':
      return `DATEADD(SECOND, MOD(${n}, ${TOKEN_RANGE_DAYS * 86_400}), TO_TIMESTAMP_LTZ('${TOKEN_EPOCH} 00:00:00'))`;
    case 'TIMESTAMP_TZ':
      return `DATEADD(SECOND, MOD(${n}, ${TOKEN_RANGE_DAYS * 86_400}), TO_TIMESTAMP_TZ('${TOKEN_EPOCH} 00:00:00 +00:00'))`;
    default:
      return null;
  }
}

/** Whether `pseudonym` keeps a keyed token of this type at the source (else NULL): what docs/snowflake-governance.md lists. */
export function hasTypedToken(type: PolicyType, numberDigits = MAX_NUMBER_TOKEN_DIGITS): boolean {
  return type === 'STRING' || typedToken(type, governanceNames('X.Y'), numberDigits) !== null;
}

/**
 * Integer digits every `pseudonym` NUMBER column can hold (precision − scale, at most 15): Snowflake fails a query
 * whose masked value exceeds the column's precision (BCR 2024_04), so the token is cut to the narrowest column.
 */
export function numberTokenDigits(masked: readonly MaskedColumn[]): number {
  let digits = MAX_NUMBER_TOKEN_DIGITS;
  for (const c of masked) {
    if (c.rule !== 'pseudonym' || c.policyType !== 'NUMBER' || c.precision === undefined) continue;
    digits = Math.min(digits, c.precision - (c.scale ?? 0));
  }
  return Math.max(0, digits);
}

/**
 * The masked form for Airlock's role, by tag value, for one signature type. `withToken`: a `pseudonym` column of this
 * type exists, so the pseudonym function is created and the body may call it; otherwise the body never names it
 * (a policy must not reference a function the plan does not create).
 */
function maskedExpression(type: PolicyType, names: GovernanceNames, numberDigits: number, withToken: boolean): string {
  const rule = `SYSTEM$GET_TAG_ON_CURRENT_COLUMN(${literal(names.tag)})`;
  if (type === 'STRING') {
    // partial: like the gateway's, at most the last 4 characters, only of number-like values of 8+ letters/digits
    // whose last 4 characters are letters/digits; anything else (an email: no '@' tail) is redacted.
    const alnum = "LENGTH(REGEXP_REPLACE(val, '[^A-Za-z0-9]', ''))";
    const digits = "LENGTH(REGEXP_REPLACE(val, '[^0-9]', ''))";
    return [
      'CASE',
      ...(withToken ? [`      WHEN ${rule} = 'pseudonym' THEN ${names.pseudonymFunction}(val)`] : []),
      `      WHEN ${rule} = 'partial' AND POSITION('@' IN val) = 0 AND ${digits} * 2 >= ${alnum} AND ${alnum} >= 8 AND REGEXP_LIKE(val, '.*[A-Za-z0-9]{4}')`,
      `        THEN REGEXP_REPLACE(LEFT(val, LENGTH(val) - 4), '[A-Za-z0-9]', '*') || RIGHT(val, 4)`,
      `      ELSE ${literal(REDACTED_TEXT)}`,
      '    END',
    ].join('\n');
  }
  // A non-string keeps its type: pseudonym → a keyed token of that type (equal values → equal tokens) where there is
  // one; redact, partial (no "last 4" of a date or a number) and the types without a token → NULL.
  const token = withToken ? typedToken(type, names, numberDigits) : null;
  return token === null ? 'NULL' : `CASE WHEN ${rule} = 'pseudonym' THEN ${token} ELSE NULL END`;
}

function maskingPolicyBody(type: PolicyType, names: GovernanceNames, airlockRole: string, numberDigits: number, withToken: boolean): string {
  return [
    'CASE',
    `    WHEN NOT IS_ROLE_IN_SESSION(${literal(airlockRole)}) THEN val`,
    '    WHEN val IS NULL THEN NULL',
    `    ELSE ${maskedExpression(type, names, numberDigits, withToken)}`,
    '  END',
  ].join('\n');
}

function projectionPolicyBody(airlockRole: string): string {
  return [
    'CASE',
    `    WHEN IS_ROLE_IN_SESSION(${literal(airlockRole)}) THEN PROJECTION_CONSTRAINT(ALLOW => false)`,
    '    ELSE PROJECTION_CONSTRAINT(ALLOW => true)',
    '  END',
  ].join('\n');
}

function pseudonymFunctionSql(names: GovernanceNames, keyHex: string): string {
  return [
    `CREATE OR REPLACE SECURE FUNCTION ${names.pseudonymFunction}(val VARCHAR)`,
    '  RETURNS VARCHAR',
    '  LANGUAGE PYTHON',
    "  RUNTIME_VERSION = '3.11'",
    "  HANDLER = 'token'",
    "  COMMENT = 'Airlock source pseudonym: tok_ + 16 hex of HMAC-SHA256(key, trimmed value); key derived from AIRLOCK_MASKING_KEY'",
    'AS $$',
    'import hashlib, hmac',
    `KEY = bytes.fromhex('${keyHex}')`,
    'def token(val):',
    '    if val is None:',
    '        return None',
    "    return 'tok_' + hmac.new(KEY, val.strip().encode('utf-8'), hashlib.sha256).hexdigest()[:16]",
    '$$',
  ].join('\n');
}

/**
 * The Snowflake DDL that enforces `masking.columns` at the source for Airlock's role (docs/snowflake-governance.md):
 * schema, tag, pseudonym function, one tag-based masking policy per data type in use, the tag → policy bindings,
 * a tag on every matching column, and (with `projection`) a projection policy on every `redact` column.
 * Every statement is idempotent (IF NOT EXISTS, OR REPLACE, SET … FORCE), so a re-run converges.
 */
export function planGovernance(input: PlanInput): GovernancePlan {
  const [role] = checkQualifiedName(input.airlockRole, 1, '--role');
  const airlockRole = role as string;
  const names = governanceNames(input.governanceSchema);
  const all = maskedColumns(input.rules, input.columns);
  const masked = all.filter((c) => c.policyType !== null);
  const unsupported = all.filter((c) => c.policyType === null);
  const types = [...new Set(masked.map((c) => c.policyType as PolicyType))].sort();
  const statements: GovernanceStatement[] = [];
  statements.push({ step: 'schema', sql: `CREATE SCHEMA IF NOT EXISTS ${names.schema}` });
  statements.push({
    step: 'tag',
    sql: `CREATE TAG IF NOT EXISTS ${names.tag} ALLOWED_VALUES 'redact', 'partial', 'pseudonym' COMMENT = 'Airlock masking rule of the column (policy masking.columns)'`,
  });
  const numberDigits = numberTokenDigits(masked);
  // The types whose policy computes a keyed token: a pseudonym column of that type exists and the type can hold one.
  const tokenTypes = new Set(masked.filter((c) => c.rule === 'pseudonym' && hasTypedToken(c.policyType as PolicyType, numberDigits)).map((c) => c.policyType as PolicyType));
  if (tokenTypes.size > 0) {
    const shown = pseudonymFunctionSql(names, KEY_PLACEHOLDER);
    statements.push({
      step: 'pseudonym-function',
      sql: shown,
      ...(input.pseudonymKeyHex === undefined ? {} : { secretSql: pseudonymFunctionSql(names, input.pseudonymKeyHex) }),
    });
  }
  for (const type of types) {
    const name = names.policyFor(type);
    const body = maskingPolicyBody(type, names, airlockRole, numberDigits, tokenTypes.has(type));
    // CREATE … IF NOT EXISTS then SET BODY: a policy already bound to the tag cannot be replaced, but its body can be set.
    statements.push({ step: 'masking-policy', policyType: type, sql: `CREATE MASKING POLICY IF NOT EXISTS ${name} AS (val ${type}) RETURNS ${type} ->\n  ${body}` });
    statements.push({ step: 'masking-policy', policyType: type, sql: `ALTER MASKING POLICY ${name} SET BODY ->\n  ${body}` });
  }
  const projected = input.projection === true ? masked.filter((c) => c.rule === 'redact') : [];
  if (projected.length > 0) {
    const body = projectionPolicyBody(airlockRole);
    statements.push({ step: 'projection-policy', sql: `CREATE PROJECTION POLICY IF NOT EXISTS ${names.projectionPolicy} AS () RETURNS PROJECTION_CONSTRAINT ->\n  ${body}` });
    statements.push({ step: 'projection-policy', sql: `ALTER PROJECTION POLICY ${names.projectionPolicy} SET BODY ->\n  ${body}` });
  }
  for (const type of types) {
    statements.push({ step: 'tag-policy', policyType: type, sql: `ALTER TAG ${names.tag} SET MASKING POLICY ${names.policyFor(type)} FORCE` });
  }
  for (const c of masked) {
    statements.push({
      step: 'column-tag',
      column: columnName(c),
      rule: c.rule,
      policyType: c.policyType as PolicyType,
      sql: `ALTER TABLE ${tableSql(c)} MODIFY COLUMN ${ident(c.column)} SET TAG ${names.tag} = '${c.rule}'`,
    });
  }
  for (const c of projected) {
    statements.push({
      step: 'column-projection',
      column: columnName(c),
      rule: c.rule,
      sql: `ALTER TABLE ${tableSql(c)} MODIFY COLUMN ${ident(c.column)} SET PROJECTION POLICY ${names.projectionPolicy} FORCE`,
    });
  }
  return { statements, masked, unsupported, names };
}
