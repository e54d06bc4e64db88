import type { Clock } from '../ports/clock.js';
import type { Warehouse } from '../ports/warehouse.js';
import type { ColumnRule } from '../masking/types.js';
import { checkSourceMasking, type SourceMaskingFinding } from './check-source-masking.js';
import { maskedColumns } from './governance-plan.js';
import { readGovernanceCatalog } from './read-governance-catalog.js';

/**
 * What `GET /v1/health` says about masking at the source (docs/snowflake-governance.md), from the last check the
 * runtime ran itself — never a warehouse query per health call.
 * - `not_applicable`: the warehouse is the local demo database; there is no source to mask.
 * - `unchecked`: on Snowflake, the first check has not finished yet.
 * - `in_place`: every column the policy masks came back masked for the service user's role.
 * - `not_in_place`: at least one came back unmasked (the count; column names only from `airlock snowflake check`).
 * - `unverified`: none unmasked, but some could not be verified (an empty table, an error on one column).
 * - `check_failed`: the check itself failed (e.g. the catalog could not be read).
 * - `nothing_to_mask`: the policy's `masking.columns` match no column of the catalog.
 */
export type SourceMaskingState = 'not_applicable' | 'unchecked' | 'in_place' | 'not_in_place' | 'unverified' | 'check_failed' | 'nothing_to_mask';

export interface SourceMaskingHealth {
  state: SourceMaskingState;
  /** When the check whose result this is finished (absent: none has). */
  checkedAt?: string;
  /** Columns the policy masks, and how many of them came back masked / unmasked / not verifiable. */
  columns?: { total: number; masked: number; unmasked: number; unverified: number };
  /** A stable code when the check failed (`ERR_WAREHOUSE`, a Snowflake error code …): never a message with values. */
  error?: string;
  /** Set when the state is worth a warning: what is wrong and what to run. */
  warning?: string;
}

const HOW = 'run `airlock snowflake check` for the columns, then `airlock snowflake plan` / `apply --governance-role …` (docs/snowflake-governance.md)';

/** Not on Snowflake: nothing to check, nothing to warn about. */
export const SOURCE_MASKING_NOT_APPLICABLE: SourceMaskingHealth = { state: 'not_applicable' };

/** On Snowflake, before the first check finishes: a warning, since nothing says source masking is in place. */
export const SOURCE_MASKING_UNCHECKED: SourceMaskingHealth = {
  state: 'unchecked',
  warning: 'source masking not verified yet: the check at start has not finished (the gateway masks results either way)',
};

/** The health summary of one check's findings (column names and values never leave: counts only). */
export function summarizeSourceMasking(findings: readonly SourceMaskingFinding[], checkedAt: string): SourceMaskingHealth {
  const masked = findings.filter((f) => f.status === 'masked').length;
  const unmasked = findings.filter((f) => f.status === 'unmasked').length;
  const unverified = findings.length - masked - unmasked;
  const columns = { total: findings.length, masked, unmasked, unverified };
  if (findings.length === 0) return { state: 'nothing_to_mask', checkedAt, columns };
  if (unmasked > 0) {
    return { state: 'not_in_place', checkedAt, columns, warning: `source masking not in place: ${unmasked} of ${findings.length} masked column(s) came back unmasked for Airlock's role; ${HOW}` };
  }
  if (unverified > 0) {
    return { state: 'unverified', checkedAt, columns, warning: `source masking not verified for ${unverified} of ${findings.length} masked column(s) (empty table or error); ${HOW}` };
  }
  return { state: 'in_place', checkedAt, columns };
}

export interface CheckSourceMaskingHealthDeps {
  /** The gateway's own warehouse: the service user's connection and role, exactly what agents' queries run as. */
  warehouse: Warehouse;
  rules: readonly ColumnRule[];
  clock: Clock;
}

/**
 * One source-masking check as `GET /v1/health` reports it: the catalog (one query), then one
 * `SELECT <col> … LIMIT 1` per column the policy masks (what `airlock snowflake check` runs). Never throws.
 *
 * @example
 * health = await checkSourceMaskingHealth({ warehouse, rules: policy.masking.columns, clock }); // { state: 'in_place', … }
 */
export async function checkSourceMaskingHealth(deps: CheckSourceMaskingHealthDeps): Promise<SourceMaskingHealth> {
  try {
    const columns = maskedColumns(deps.rules, await readGovernanceCatalog(deps.warehouse)).filter((c) => c.policyType !== null);
    const findings = await checkSourceMasking(deps.warehouse, columns);
    return summarizeSourceMasking(findings, deps.clock.now().toISOString());
  } catch (e) {
    // Only a code-shaped code leaves (ERR_WAREHOUSE, 390144 …): an error message may quote values.
    const raw = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
    const code = /^[A-Za-z0-9_]{1,40}$/.test(raw) ? raw : 'ERR_INTERNAL';
    return { state: 'check_failed', checkedAt: deps.clock.now().toISOString(), error: code, warning: `source masking not verified: the check failed (${code}); ${HOW}` };
  }
}
