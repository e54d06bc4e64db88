import type { Warehouse } from '../ports/warehouse.js';
import { housekeepingTag } from '../reconcile/housekeeping.js';
import type { MaskRule } from '../masking/types.js';
import { ident, REDACTED_TEXT, type MaskedColumn, type PolicyType } from './governance-plan.js';

export type SourceMaskingStatus = 'masked' | 'unmasked' | 'empty' | 'error';

export interface SourceMaskingFinding {
  /** DB.SCHEMA.TABLE.COLUMN */
  column: string;
  rule: MaskRule;
  status: SourceMaskingStatus;
  /** Why, without the value: e.g. `not a tok_ token`, `ERR_WAREHOUSE 002003`. */
  detail: string;
}

const PSEUDONYM = /^tok_[0-9a-f]{16}$/;
/** Stars and separators, then at most 4 letters/digits: what the source `partial` returns. */
const PARTIAL = /^[^A-Za-z0-9]*\*[^A-Za-z0-9]*(?:\*[^A-Za-z0-9]*)*[A-Za-z0-9]{0,4}$/;

/** A date or timestamp token: 2200-01-01 … 2299-12-31 (a day either side for a TIMESTAMP_LTZ read in UTC). */
const TOKEN_INSTANT = /^(?:2199-12-31|22\d\d-\d\d-\d\d|2300-01-01)/;
const TEMPORAL: ReadonlySet<PolicyType> = new Set(['DATE', 'TIMESTAMP_NTZ', 'TIMESTAMP_LTZ', 'TIMESTAMP_TZ']);

/**
 * Whether one value read as Airlock's role is in a masked form for its rule. Strings must be the rule's form
 * (`[REDACTED]`, stars + ≤4 trailing, `tok_…`); other types are masked to NULL, except a `pseudonym` DATE or
 * TIMESTAMP column (`type`), whose token is a day or instant in 2200–2299 (the adapter's ISO text). A pseudonym
 * NUMBER or FLOAT is a number, which cannot be told from a raw one: never accepted as proof (unmasked unless NULL).
 */
export function isMaskedValue(rule: MaskRule, value: unknown, type?: PolicyType | null): boolean {
  if (value === null) return true;
  if (typeof value !== 'string') return false;
  if (rule === 'pseudonym' && type !== undefined && type !== null && TEMPORAL.has(type)) return TOKEN_INSTANT.test(value);
  if (value === REDACTED_TEXT) return true;
  if (rule === 'pseudonym') return PSEUDONYM.test(value);
  if (rule === 'partial') return PARTIAL.test(value);
  return false;
}

/**
 * From the service user's own connection, one `SELECT <col> FROM <table> LIMIT 1` per column the policy masks; the
 * value is compared with the masked form and dropped: only the column name and a status leave this function.
 */
export async function checkSourceMasking(warehouse: Warehouse, columns: readonly MaskedColumn[]): Promise<SourceMaskingFinding[]> {
  const out: SourceMaskingFinding[] = [];
  // Housekeeping for `airlock reconcile` (shared/reconcile/housekeeping.ts): expected, counted apart, only on this exact text shape.
  const queryTag = housekeepingTag('source_masking_check');
  for (const c of columns) {
    const column = `${c.database}.${c.schema}.${c.table}.${c.column}`;
    const sql = `SELECT ${ident(c.column)} FROM ${ident(c.database)}.${ident(c.schema)}.${ident(c.table)} LIMIT 1`;
    try {
      const r = await warehouse.execute({ sql, queryTag, maxRows: 1, timeoutMs: 30_000 });
      const row = r.rows[0];
      if (row === undefined) out.push({ column, rule: c.rule, status: 'empty', detail: 'no row to check' });
      else if (isMaskedValue(c.rule, row[0], c.policyType)) out.push({ column, rule: c.rule, status: 'masked', detail: row[0] === null ? 'NULL' : `${c.rule} form` });
      else out.push({ column, rule: c.rule, status: 'unmasked', detail: `value is not in the ${c.rule} form` });
    } catch (e) {
      const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'error';
      out.push({ column, rule: c.rule, status: 'error', detail: code });
    }
  }
  return out;
}
