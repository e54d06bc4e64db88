import { randomUUID } from 'node:crypto';
import { AirlockError, isAirlockError, type AirlockErrorCode } from '../errors.js';
import type { Warehouse } from '../ports/warehouse.js';
import { sqlHash } from '../records/hash.js';
import type { StatementError } from '../records/record-body.js';
import type { Actor } from '../records/types.js';
import { classify } from '../sql/classify.js';
import { appendRecord, type AppendRecordDeps } from '../use-cases/append-record.js';
import type { GovernanceStatement } from './governance-plan.js';

/** The chain every governance statement is recorded in. */
export const GOVERNANCE_SESSION = 'system/governance';

export interface ApplyGovernanceDeps extends AppendRecordDeps {
  /** A connection that runs as the governance role (never the service user's own role). */
  warehouse: Warehouse;
}

export interface ApplyGovernanceInput {
  statements: readonly GovernanceStatement[];
  governanceRole: string;
  /** The service user's role: refused as the governance role. */
  airlockRole: string;
  /** Strings that must never reach a record or a report (the pseudonym key). */
  secrets?: readonly string[];
  timeoutMs?: number;
}

export interface AppliedStatement {
  index: number;
  step: GovernanceStatement['step'];
  sql: string;
  queryId: string;
  requestId: string;
}

export interface ApplyGovernanceReport {
  applied: AppliedStatement[];
  failed: { index: number; step: GovernanceStatement['step']; sql: string; requestId: string; error: StatementError } | null;
  /** Statements after the failure, never sent. */
  notRun: Array<{ index: number; step: GovernanceStatement['step']; sql: string }>;
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join('[SECRET]');
  return out;
}

function errorOf(e: unknown, secrets: readonly string[]): StatementError {
  const code: AirlockErrorCode = isAirlockError(e) ? e.code : 'ERR_WAREHOUSE';
  const details = isAirlockError(e) ? (e.details ?? {}) : {};
  const message = scrub(e instanceof Error ? e.message : String(e), secrets);
  return {
    code,
    message,
    ...(typeof details['sqlState'] === 'string' ? { sqlState: details['sqlState'] } : {}),
    ...(typeof details['queryId'] === 'string' ? { queryId: details['queryId'] } : {}),
  };
}

/**
 * Runs the plan one statement at a time as the governance role, each as a request in the `system/governance` chain:
 * `query.requested` (the statement as printed, key never included), then `query.executed` or `query.failed`.
 * Stops at the first failure; the report lists what ran, what failed and what was never sent. A record that cannot
 * be written stops the run before the statement is sent (ERR_STORE_UNAVAILABLE / ERR_SIGNER_UNAVAILABLE thrown).
 *
 * @example const report = await applyGovernance({ records, signer, clock, warehouse }, { statements, governanceRole: 'GOVERNANCE_ADMIN', airlockRole: 'AIRLOCK_READER' });
 */
export async function applyGovernance(deps: ApplyGovernanceDeps, input: ApplyGovernanceInput): Promise<ApplyGovernanceReport> {
  const role = input.governanceRole.toUpperCase();
  if (role === '' || role === input.airlockRole.toUpperCase()) {
    throw new AirlockError('ERR_VALIDATION', "the governance role must not be the service user's own role");
  }
  const secrets = input.secrets ?? [];
  const actor: Actor = { kind: 'system', sub: 'airlock-governance' };
  const runId = randomUUID();
  const report: ApplyGovernanceReport = { applied: [], failed: null, notRun: [] };
  const statements = [...input.statements];
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i] as GovernanceStatement;
    if (secrets.some((x) => x.length >= 8 && s.sql.includes(x))) throw new AirlockError('ERR_INTERNAL', `statement ${i + 1} would record a secret`);
    const requestId = `gov-${runId}-${i + 1}`;
    const hash = sqlHash(s.sql);
    const c = classify(s.sql);
    await appendRecord(deps, {
      sessionId: GOVERNANCE_SESSION,
      requestId,
      actor,
      type: 'query.requested',
      body: {
        prompt: `airlock snowflake apply as ${role}: ${s.step}${s.column === undefined ? '' : ` ${s.column}`}`,
        sql: s.sql,
        sqlHash: hash,
        risk: c.risk,
        decision: { outcome: 'allow', approvalsRequired: 0 },
        reasons: c.reasons,
        objects: c.statements.flatMap((x) => x.objects),
      },
    });
    const queryTag = JSON.stringify({ airlock: { governance: 'apply', requestId, role } });
    try {
      const r = await deps.warehouse.execute({ sql: s.secretSql ?? s.sql, queryTag, maxRows: 10, timeoutMs: input.timeoutMs ?? 60_000 });
      await appendRecord(deps, {
        sessionId: GOVERNANCE_SESSION,
        requestId,
        actor,
        type: 'query.executed',
        body: {
          sqlHash: hash,
          warehouse: deps.warehouse.name,
          queryId: r.queryId,
          queryTag,
          durationMs: r.durationMs,
          columns: [],
          rows: [],
          rowCount: 0,
          truncated: false,
          masked: [],
        },
      });
      report.applied.push({ index: i + 1, step: s.step, sql: s.sql, queryId: r.queryId, requestId });
    } catch (e) {
      if (isAirlockError(e) && (e.code === 'ERR_STORE_UNAVAILABLE' || e.code === 'ERR_SIGNER_UNAVAILABLE' || e.code === 'ERR_CHAIN_CONFLICT')) throw e;
      const error = errorOf(e, secrets);
      await appendRecord(deps, {
        sessionId: GOVERNANCE_SESSION,
        requestId,
        actor,
        type: 'query.failed',
        body: { sqlHash: hash, ...(error.queryId === undefined ? {} : { queryId: error.queryId }), error },
      });
      report.failed = { index: i + 1, step: s.step, sql: s.sql, requestId, error };
      report.notRun = statements.slice(i + 1).map((x, j) => ({ index: i + 2 + j, step: x.step, sql: x.sql }));
      return report;
    }
  }
  return report;
}
