import type { QueryHistorySource } from '#shared/reconcile/query-history.js';
import { recordFindings } from '#shared/reconcile/record-findings.js';
import { reconcileEmfLine } from '#shared/reconcile/reconcile-metrics.js';
import { reconcileQueries, type ReconcileWindow } from '#shared/reconcile/reconcile-queries.js';
import { reconcileWindow, type ReconcileEvent } from '#shared/reconcile/reconcile-window.js';
import { snowflakeHistory } from '#shared/wiring/aws-warehouse.js';
import { awsWiring, lambdaLog } from '#shared/wiring/aws.js';

let source: Promise<{ history: QueryHistorySource }> | undefined;

/**
 * Scheduled every 15 minutes over the last hour: Snowflake's history of the service user against
 * the records (reconcileQueries), `query.reconciled` for each outcome-unknown request Snowflake
 * shows ran (and its request item settled), each new finding appended once to the
 * `system/reconcile` chain, and one EMF log line whose `BypassFindings` (new `unrecorded_query`
 * and `sql_mismatch` findings) raises the reconcile alarm. Idempotent: a second run over the same
 * window appends nothing and counts nothing again. Errors fail the invocation (the function's
 * Errors alarm): nothing was proven.
 */
export async function handler(event: ReconcileEvent = {}): Promise<{ window: ReconcileWindow; flagged: number; newFindings: number; newFlagged: number; alreadyRecorded: number; resolved: number }> {
  const aws = awsWiring(process.env);
  const now = new Date();
  const window = reconcileWindow(event ?? {}, now);
  source ??= snowflakeHistory(aws).catch((e: unknown) => {
    source = undefined;
    throw e;
  });
  const deps = aws.reconcileDeps((await source).history);
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
  return { window, flagged: summary.flagged, newFindings: appended.length, newFlagged, alreadyRecorded, resolved: summary.counts.outcome_resolved };
}
