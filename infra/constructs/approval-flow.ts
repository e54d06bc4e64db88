import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { APPROVAL_STATES, approvalStateMachineDefinition } from '#shared/workflow/approval-state-machine.js';

export interface ApprovalFlowProps {
  notify: lambda.IFunction;
  execute: lambda.IFunction;
  recordOutcome: lambda.IFunction;
  logRetention: logs.RetentionDays;
  /** The policy's approval timeout; the machine's overall timeout leaves room for execution after it. */
  approvalTimeoutSeconds: number;
}

/** The metric counting approvals that expired, from the state machine's own log (see `ApprovalFlow`). */
export const APPROVALS_EXPIRED_METRIC = { namespace: 'Airlock', metricName: 'ApprovalsExpired' } as const;

/**
 * The approval workflow on Step Functions (Standard: waits of up to a year, exactly-once
 * transitions), built from the repo's one ASL definition — the same object the local runtime
 * runs with aws-local-stepfunctions — with the three task functions' ARNs filled in.
 * Logging (ALL, without execution data: only the request id travels, but nothing else need
 * be copied to logs) and X-Ray are on. Expiries are counted from the log's
 * `TaskStateEntered` events for the expiry state, for the "approvals expiring" alarm.
 */
export class ApprovalFlow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly expiredMetricFilter: logs.MetricFilter;

  constructor(scope: Construct, id: string, props: ApprovalFlowProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });
    // The ARNs go in as DefinitionSubstitutions, so the template's DefinitionString is the literal
    // ASL (checkable with asl-validator as it stands) rather than an Fn::Join around tokens.
    const definition = approvalStateMachineDefinition({
      notifyFunction: '${NotifyFunctionArn}',
      executeFunction: '${ExecuteFunctionArn}',
      recordOutcomeFunction: '${RecordOutcomeFunctionArn}',
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      // The `timeout` prop does not apply to a string definition, so the execution-wide cap goes in
      // the ASL: the approval wait plus room for execution (Execute's own TimeoutSeconds) and outcome.
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify({ ...definition, TimeoutSeconds: props.approvalTimeoutSeconds + 3600 })),
      definitionSubstitutions: {
        NotifyFunctionArn: props.notify.functionArn,
        ExecuteFunctionArn: props.execute.functionArn,
        RecordOutcomeFunctionArn: props.recordOutcome.functionArn,
      },
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: 'Airlock approval workflow',
    });
    // A definition from a string carries no grants: the machine may invoke exactly its three tasks.
    // (Unqualified ARNs only: the definition names no version or alias, so no `:*` grant.)
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.notify.functionArn, props.execute.functionArn, props.recordOutcome.functionArn] }),
    );

    this.expiredMetricFilter = new logs.MetricFilter(this, 'ApprovalsExpired', {
      logGroup,
      filterPattern: logs.FilterPattern.all(
        logs.FilterPattern.stringValue('$.type', '=', 'TaskStateEntered'),
        logs.FilterPattern.stringValue('$.details.name', '=', APPROVAL_STATES.recordExpired),
      ),
      metricNamespace: APPROVALS_EXPIRED_METRIC.namespace,
      metricName: APPROVALS_EXPIRED_METRIC.metricName,
      metricValue: '1',
    });
  }
}
