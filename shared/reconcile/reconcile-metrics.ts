import type { ReconcileFinding } from './reconcile-finding.js';

/** The CloudWatch namespace of the scheduled reconcile's metrics (infra/constructs/reconcile-alarm.ts reads it). */
export const RECONCILE_METRIC_NAMESPACE = 'Airlock/Reconcile';

/**
 * The metric the bypass alarm watches: new `unrecorded_query` and `sql_mismatch` findings of a
 * run (a finding already on record from an earlier, overlapping run is not counted again).
 */
export const BYPASS_METRIC = 'BypassFindings';

/** Per-kind counts of new findings, for dashboards; only BYPASS_METRIC raises the alarm. */
export const KIND_METRICS = {
  unrecorded_query: 'UnrecordedQueries',
  sql_mismatch: 'SqlMismatches',
  missing_in_history: 'MissingInHistory',
  outcome_resolved: 'OutcomesResolved',
} as const satisfies Partial<Record<ReconcileFinding['kind'], string>>;

/**
 * One CloudWatch embedded-metric-format (EMF) log line for a run's new findings: CloudWatch Logs
 * turns it into metrics in RECONCILE_METRIC_NAMESPACE, with no `cloudwatch:PutMetricData` grant.
 * Every metric is present, 0 included, so a clean run is a data point too. No dimensions.
 *
 * @example
 * process.stdout.write(reconcileEmfLine(newFindings, new Date()));
 */
export function reconcileEmfLine(newFindings: readonly ReconcileFinding[], now: Date): string {
  const count = (kind: ReconcileFinding['kind']) => newFindings.filter((f) => f.kind === kind).length;
  const values: Record<string, number> = { [BYPASS_METRIC]: count('unrecorded_query') + count('sql_mismatch') };
  for (const [kind, name] of Object.entries(KIND_METRICS)) values[name] = count(kind as ReconcileFinding['kind']);
  const doc = {
    _aws: {
      Timestamp: now.getTime(),
      CloudWatchMetrics: [{ Namespace: RECONCILE_METRIC_NAMESPACE, Dimensions: [[]], Metrics: Object.keys(values).map((Name) => ({ Name, Unit: 'Count' })) }],
    },
    ...values,
  };
  return `${JSON.stringify(doc)}\n`;
}
