import { checkSourceMaskingHealth } from '#shared/governance/source-masking-health.js';
import { systemClock } from '#shared/ports/clock.js';
import type { Warehouse } from '#shared/ports/warehouse.js';
import type { QueryHistorySource } from '#shared/reconcile/query-history.js';
import { recordFindings } from '#shared/reconcile/record-findings.js';
import { reconcileEmfLine } from '#shared/reconcile/reconcile-metrics.js';
import { reconcileQueries, type ReconcileWindow } from '#shared/reconcile/reconcile-queries.js';
import { reconcileWindow, type ReconcileEvent } from '#shared/reconcile/reconcile-window.js';
import { snowflakeHistory } from '#shared/wiring/aws-warehouse.js';
import { awsWiring, lambdaLog } from '#shared/wiring/aws.js';

let source: Promise<{ warehouse: Warehouse; history: QueryHistorySource }> | undefined;

/**
 * Scheduled every 15 minutes over the last hour: Snowflake's history of the service user against
 * the records (reconcileQueries), `query.reconciled` for each outcome-unknown request Snowflake
 * shows ran (and its request item settled), each new finding appended once to the
 * `system/reconcile` chain, and one EMF log line whose `BypassFindings` (new `unrecorded_query`
 * and `sql_mismatch` findings) raises the reconcile alarm. Idempotent: a second run over the same
 * window appends nothing and counts nothing again. Errors fail the invocation (the function's
 * Errors alarm): nothing was proven.
 *
 * Then, each run, the source-masking check (docs/snowflake-governance.md: the catalog and one `SELECT … LIMIT 1`
 * per column the policy masks, tagged housekeeping, on the same connection of the service user) and its summary
 * (state and counts, never a value) put into the one requests item `health#source-masking` that `GET /v1/health`
 * reads. Every run rather than hourly: the warehouse is already awake for the history read, the check is a handful
 * of LIMIT 1 reads, and health is then never more than one run (15 min) behind. A failed check is kept as
 * `check_failed`; a failed put is logged: neither fails the reconcile, whose findings are already recorded.
 */
export async function handler(event: ReconcileEvent = {}): Promise<{ window: ReconcileWindow; sourceMasking: string; flagged: number; newFindings: number; newFlagged: number; alreadyRecorded: number; resolved: number }> {
  const aws = awsWiring(process.env);
  const now = new Date();
  const window = reconcileWindow(event ?? {}, now);
  source ??= snowflakeHistory(aws).catch((e: unknown) => {
    source = undefined;
    throw e;
  });
  const { warehouse, history } = await source;
  const deps = aws.reconcileDeps(history);
  const { findings, summary } = await reconcileQueries(deps, window);
  const { appended, alreadyRecorded } = await recordFindings(deps, window, findings);
  const fresh = appended.map((a) => a.finding);
  process.stdout.write(reconcileEmfLine(fresh, now));
  const newFlagged = fresh.filter((f) => f.flagged).length;
  lambdaLog(newFlagged > 0 ? 'warn' : 'info', 'reconcile', {
    window,
    historyQueries: summary.historyQueries,
    matched: summary.matched,
    housekeeping: summary.housekeeping,
    counts: summary.counts,
    newFindings: appended.map((a) => ({ kind: a.finding.kind, reason: a.finding.reason, findingId: a.id, seq: a.seq })),
    alreadyRecorded,
  });
  const sourceMasking = await keepSourceMaskingHealth(aws, warehouse);
  return { window, sourceMasking, flagged: summary.flagged, newFindings: appended.length, newFlagged, alreadyRecorded, resolved: summary.counts.outcome_resolved };
}

/** Runs the source-masking check and keeps its summary; never throws. Returns the state, or `not_kept` when the put failed. */
async function keepSourceMaskingHealth(aws: ReturnType<typeof awsWiring>, warehouse: Warehouse): Promise<string> {
  const health = await checkSourceMaskingHealth({ warehouse, rules: aws.policy().masking.columns, clock: systemClock });
  try {
    await aws.sourceMaskingHealthStore().putSourceMaskingHealth(health);
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'ERR_INTERNAL';
    lambdaLog('error', 'source masking health not kept', { sourceMasking: health.state, error: code });
    return 'not_kept';
  }
  lambdaLog(health.warning === undefined ? 'info' : 'warn', 'source masking checked', { sourceMasking: health.state, columns: health.columns, ...(health.error === undefined ? {} : { error: health.error }) });
  return health.state;
}
