import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface AlarmsProps {
  functions: Record<string, lambda.IFunction>;
  stateMachine: sfn.IStateMachine;
  approvalsExpired: logs.MetricFilter;
}

const PERIOD = Duration.minutes(5);

/**
 * CloudWatch alarms: any function error or throttle, any failed, timed-out or aborted
 * approval workflow, and any approval that expired unanswered (approvers are not seeing or
 * acting on requests). Each fires on a single occurrence in five minutes: at this volume
 * one is worth a look. Subscribe a topic to them with `alarm.addAlarmAction` or in the console.
 */
export class Alarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string) => {
      this.alarms.push(
        new cloudwatch.Alarm(this, alarmId, {
          metric,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: description,
        }),
      );
    };
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}Errors`, fn.metricErrors({ period: PERIOD, statistic: 'Sum' }), `Airlock ${name}: function errors`);
      alarm(`${name}Throttles`, fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }), `Airlock ${name}: throttled invocations`);
    }
    alarm('WorkflowFailed', props.stateMachine.metricFailed({ period: PERIOD, statistic: 'Sum' }), 'Airlock approval workflow: failed executions');
    alarm('WorkflowTimedOut', props.stateMachine.metricTimedOut({ period: PERIOD, statistic: 'Sum' }), 'Airlock approval workflow: timed-out executions');
    alarm('WorkflowAborted', props.stateMachine.metricAborted({ period: PERIOD, statistic: 'Sum' }), 'Airlock approval workflow: aborted executions');
    alarm('ApprovalsExpired', props.approvalsExpired.metric({ period: PERIOD, statistic: 'Sum' }), 'Airlock: approval requests expired without a decision');
  }
}
