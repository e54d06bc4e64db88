import { AirlockError } from '#shared/errors.js';
import type { QueryHistorySource } from '#shared/reconcile/query-history.js';
import { recordFindings } from '#shared/reconcile/record-findings.js';
import { reconcileEmfLine } from '#shared/reconcile/reconcile-metrics.js';
import { reconcileQueries, type ReconcileWindow } from '#shared/reconcile/reconcile-queries.js';
import { snowflakeHistory } from '#shared/wiring/aws-warehouse.js';
import { awsWiring, lambdaLog } from '#shared/wiring/aws.js';

/**
 * The EventBridge rule sends `{ time, windowSeconds }` (infra/airlock-stack.ts): the window is
 * the `windowSeconds` before `time`. An operator may invoke it with `{ from, to }` (ISO instants,
 * at most 7 days apart: the reach of INFORMATION_SCHEMA.QUERY_HISTORY_BY_USER).
 */
export interface ReconcileEvent {
  time?: unknown;
  windowSeconds?: unknown;
  from?: unknown;
  to?: unknown;
}

/** The window when the event names none: the last hour. */
export const DEFAULT_WINDOW_SECONDS = 3600;
const MAX_WINDOW_MS = 7 * 86_400_000;

export function reconcileWindow(event: ReconcileEvent, now: Date): ReconcileWindow {
  if (event.from !== undefined || event.to !== undefined) {
    const from = typeof event.from === 'string' ? Date.parse(event.from) : NaN;
    const to = typeof event.to === 'string' ? Date.parse(event.to) : NaN;
    if (Number.isNaN(from) || Number.isNaN(to) || from > to || to - from > MAX_WINDOW_MS) {
      throw new AirlockError('ERR_VALIDATION', 'from and to must be ISO instants, from <= to, at most 7 days apart');
    }
    return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  }
  const fired = typeof event.time === 'string' ? Date.parse(event.time) : NaN;
  // A fire time in the future is not believed: the window ends now at the latest.
  const to = Number.isNaN(fired) ? now.getTime() : Math.min(fired, now.getTime());
  const seconds = typeof event.windowSeconds === 'number' && Number.isInteger(event.windowSeconds) && event.windowSeconds > 0 && event.windowSeconds <= 86_400 ? event.windowSeconds : DEFAULT_WINDOW_SECONDS;
  return { from: new Date(to - seconds * 1000).toISOString(), to: new Date(to).toISOString() };
}

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
