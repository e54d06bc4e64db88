import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { BYPASS_METRIC, RECONCILE_METRIC_NAMESPACE } from '#shared/reconcile/reconcile-metrics.js';

export interface ReconcileAlarmProps {
  /** The reconcile schedule's interval: one alarm period per run. */
  period: Duration;
}

/**
 * The bypass alarm of the scheduled reconcile: any new `unrecorded_query` or `sql_mismatch`
 * (the `BypassFindings` metric the ReconcileWarehouse function writes as an EMF log line) in a
 * period raises it. A single one is worth waking someone: it is a query run as Airlock's Snowflake
 * user that no record accounts for. No data (no run) is not a breach; the function's own Errors
 * alarm covers a run that failed. Subscribe a topic with `alarm.addAlarmAction` or in the console.
 */
export class ReconcileAlarm extends Construct {
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ReconcileAlarmProps) {
    super(scope, id);
    this.alarm = new cloudwatch.Alarm(this, 'Bypass', {
      metric: new cloudwatch.Metric({ namespace: RECONCILE_METRIC_NAMESPACE, metricName: BYPASS_METRIC, statistic: 'Sum', period: props.period }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: 'Airlock reconcile: a query ran as the Snowflake service user with no record (unrecorded_query) or with other SQL than recorded (sql_mismatch); see the system/reconcile chain',
    });
  }
}
