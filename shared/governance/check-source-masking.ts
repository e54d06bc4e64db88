import type { Warehouse } from '../ports/warehouse.js';
import type { MaskRule } from '../masking/types.js';
import { ident, REDACTED_TEXT, type MaskedColumn } from './governance-plan.js';

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

/**
 * Whether one value read as Airlock's role is in a masked form for its rule. Strings must be the rule's form
 * (`[REDACTED]`, stars + ≤4 trailing, `tok_…`); other types are masked to NULL (pseudonym NUMBER: a number, which
 * cannot be told from a raw one, so it is never accepted as proof — reported unmasked unless NULL).
 */
export function isMaskedValue(rule: MaskRule, value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== 'string') return false;
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
  const queryTag = JSON.stringify({ airlock: { governance: 'check' } });
  for (const c of columns) {
    const column = `${c.database}.${c.schema}.${c.table}.${c.column}`;
    const sql = `SELECT ${ident(c.column)} FROM ${ident(c.database)}.${ident(c.schema)}.${ident(c.table)} LIMIT 1`;
    try {
      const r = await warehouse.execute({ sql, queryTag, maxRows: 1, timeoutMs: 30_000 });
      const row = r.rows[0];
      if (row === undefined) out.push({ column, rule: c.rule, status: 'empty', detail: 'no row to check' });
      else if (isMaskedValue(c.rule, row[0])) out.push({ column, rule: c.rule, status: 'masked', detail: row[0] === null ? 'NULL' : `${c.rule} form` });
      else out.push({ column, rule: c.rule, status: 'unmasked', detail: `value is not in the ${c.rule} form` });
    } catch (e) {
      const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'error';
      out.push({ column, rule: c.rule, status: 'error', detail: code });
    }
  }
  return out;
}
