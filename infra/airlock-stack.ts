import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { Policy } from '#shared/policy/policy.js';
import { tableNames } from '#shared/adapters/aws/tables.js';
import type { FunctionBundle } from './bundle-functions.js';
import type { AirlockConfig } from './config.js';
import { Alarms } from './constructs/alarms.js';
import { AirlockFunction } from './constructs/airlock-function.js';
import { Api } from './constructs/api.js';
import { ApprovalFlow } from './constructs/approval-flow.js';
import { FixedEgress } from './constructs/fixed-egress.js';
import { RecordsTables } from './constructs/records-tables.js';
import { ReconcileAlarm } from './constructs/reconcile-alarm.js';
import { AuditorRole, onlyTheseMaySign, SigningKeys } from './constructs/signing-keys.js';
import { FunctionAccess as access } from './function-access.js';
import type { FunctionName } from './function-catalog.js';
import { FUNCTIONS } from './function-catalog.js';
import { suppressKnownNagFindings } from './nag-suppressions.js';

export interface AirlockStackProps extends StackProps {
  config: AirlockConfig;
  /** Validated at synth time; its approval timeout sizes the state machine. The bundles carry it. */
  policy: Policy;
  bundles: ReadonlyMap<FunctionName, FunctionBundle>;
}

/** How often interrupted requests are looked for (each is also recovered when its status is read). */
const RECOVERY_INTERVAL = Duration.minutes(5);
/** How often the checkpoint writer signs changed session heads. */
export const CHECKPOINT_INTERVAL = Duration.minutes(5);
/** How often the scheduled reconcile runs, and over how long a window (overlapping: a finding is recorded once). */
export const RECONCILE_INTERVAL = Duration.minutes(15);
export const RECONCILE_WINDOW = Duration.hours(1);

/**
 * The whole gateway: HTTP API → one Lambda per handler, the approval state machine, the
 * tables, the signing keys and the auditor role, Secrets Manager references and alarms.
 * Access is handed out only through `FunctionAccess`, one variable and one grant at a time.
 */
/** An EventBridge rule that invokes `fn` every `rate` (retried twice), with `event` as its input when given. */
function onSchedule(scope: Construct, id: string, description: string, rate: Duration, fn: lambda.IFunction, event?: Record<string, unknown>): events.Rule {
  return new events.Rule(scope, id, {
    description,
    schedule: events.Schedule.rate(rate),
    targets: [new targets.LambdaFunction(fn, { retryAttempts: 2, ...(event === undefined ? {} : { event: events.RuleTargetInput.fromObject(event) }) })],
  });
}

export class AirlockStack extends Stack {
  readonly functions: Record<FunctionName, lambda.Function>;

  constructor(scope: Construct, id: string, props: AirlockStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    const tables = new RecordsTables(this, 'Tables', { names: tableNames(config.prefix) });
    const keys = new SigningKeys(this, 'Keys', { prefix: config.prefix, recordsKeyVersion: config.recordsKeyVersion });
    const slackSecret = secretsmanager.Secret.fromSecretNameV2(this, 'SlackSecret', config.slackSecretName);
    const snowflakeSecret = secretsmanager.Secret.fromSecretNameV2(this, 'SnowflakeSecret', config.snowflakeSecretName);
    // Pseudonyms are an HMAC with this key: generated in AWS, never in the template or a variable.
    const maskingKey = new secretsmanager.Secret(this, 'MaskingKey', {
      description: 'Airlock: HMAC key for masked pseudonyms (rotating it changes every pseudonym)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });

    const environment = {
      OIDC_ISSUER: config.oidcIssuer,
      OIDC_AUDIENCE: config.oidcAudience,
      OIDC_JWKS_URL: config.oidcJwksUrl,
      OIDC_GROUPS_CLAIM: config.oidcGroupsClaim,
      SLACK_CHANNEL: config.slackChannel,
    };
    // Fixed egress (airlock:fixedEgress): the functions that talk to Snowflake (the ones bundling
    // snowflake-sdk) run in private subnets behind one NAT gateway, so Snowflake sees one IP.
    const egress = config.fixedEgress ? new FixedEgress(this, 'FixedEgress', { logRetention }) : undefined;
    const network = egress === undefined ? undefined : { vpc: egress.vpc, subnets: egress.subnets, securityGroup: egress.securityGroup };
    const fns = {} as Record<FunctionName, lambda.Function>;
    for (const spec of FUNCTIONS) {
      const bundle = props.bundles.get(spec.name);
      if (bundle === undefined) throw new Error(`no bundle for ${spec.name}`);
      fns[spec.name] = new AirlockFunction(this, spec.name, { bundle, environment, logRetention, ...(network !== undefined && spec.executesQueries ? { network } : {}) }).fn;
    }
    this.functions = fns;

    const flow = new ApprovalFlow(this, 'ApprovalFlow', {
      notify: fns.NotifyApprovers,
      execute: fns.ExecuteApprovedQuery,
      recordOutcome: fns.RecordOutcome,
      logRetention,
      approvalTimeoutSeconds: props.policy.approval.timeoutSeconds,
    });
    const { records, requests, checkpoints } = tables;
    const publicKeys = { records: keys.records, exports: keys.exports, previousRecordsKeyArns: config.previousRecordsKeyArns };

    // The query API: write-ahead record, run reads at once, start approvals.
    access.recordsAppend(fns.PostQuery, records);
    access.requestsWrite(fns.PostQuery, requests);
    access.recordsSigning(fns.PostQuery, keys.records);
    access.startApproval(fns.PostQuery, flow.stateMachine);
    access.secret(fns.PostQuery, 'maskingKeySecret', maskingKey);
    access.secret(fns.PostQuery, 'snowflakeSecret', snowflakeSecret);

    access.recordsRead(fns.GetQuery, records);
    // Reads, and marks a request `running` past its statement timeout `outcome_unknown` (recovery).
    access.requestsRecover(fns.GetQuery, requests);
    access.recordsRead(fns.GetSession, records);
    access.requestsRead(fns.GetSession, requests);
    access.publicKeys(fns.Public, publicKeys);
    // Health's details.sourceMasking: the one item the reconcile keeps, nothing else of the requests table.
    access.sourceMaskingHealthRead(fns.Public, requests);
    // Explain classifies and decides from the token and the bundled policy: no data access at all.

    // Votes: appended to the chain, then the quorum claimed on the request, then the wait resumed.
    access.recordsAppend(fns.SlackInteractions, records);
    access.requestsWrite(fns.SlackInteractions, requests);
    access.recordsSigning(fns.SlackInteractions, keys.records);
    access.taskResponses(fns.SlackInteractions, flow.stateMachine);
    access.secret(fns.SlackInteractions, 'slackSecret', slackSecret);

    access.recordsRead(fns.NotifyApprovers, records);
    access.requestsWrite(fns.NotifyApprovers, requests);
    access.secret(fns.NotifyApprovers, 'slackSecret', slackSecret);

    access.recordsAppend(fns.ExecuteApprovedQuery, records);
    access.requestsWrite(fns.ExecuteApprovedQuery, requests);
    access.recordsSigning(fns.ExecuteApprovedQuery, keys.records);
    access.secret(fns.ExecuteApprovedQuery, 'maskingKeySecret', maskingKey);
    access.secret(fns.ExecuteApprovedQuery, 'snowflakeSecret', snowflakeSecret);

    access.recordsAppend(fns.RecordOutcome, records);
    access.requestsWrite(fns.RecordOutcome, requests);
    access.recordsSigning(fns.RecordOutcome, keys.records);
    access.secret(fns.RecordOutcome, 'slackSecret', slackSecret);

    // Checkpoints are signed with the records key, on a schedule and at each export (the auditor invokes it).
    access.recordsReadAll(fns.WriteCheckpoints, records);
    access.checkpointsAppend(fns.WriteCheckpoints, checkpoints);
    access.recordsSigning(fns.WriteCheckpoints, keys.records);
    // The interval travels with the event, so the function's look-back cannot drift from the schedule.
    onSchedule(this, 'CheckpointSchedule', 'Airlock: sign and append changed session heads', CHECKPOINT_INTERVAL, fns.WriteCheckpoints, {
      time: events.EventField.time,
      intervalSeconds: CHECKPOINT_INTERVAL.toSeconds(),
    });

    // Recovery: a function that died between execute and outcome leaves its request `running`; the
    // schedule marks it `outcome_unknown` once past its statement timeout. Requests table only.
    access.requestsRecover(fns.RecoverInterrupted, requests);
    onSchedule(this, 'RecoverySchedule', 'Airlock: mark requests interrupted between execution and outcome as outcome_unknown', RECOVERY_INTERVAL, fns.RecoverInterrupted);

    // Reconcile (issue 18): Snowflake's history of the service user against the records, every 15 minutes
    // over the last hour. Reads records and appends (query.reconciled, system/reconcile findings) with a key
    // certified for `reconcile` only; settles outcome_unknown request items; reads the Snowflake secret.
    access.recordsAppend(fns.ReconcileWarehouse, records);
    access.requestsSettle(fns.ReconcileWarehouse, requests);
    // Each run keeps the source-masking check's summary for GET /v1/health: PutItem on that one item only.
    access.sourceMaskingHealthWrite(fns.ReconcileWarehouse, requests);
    access.recordsSigning(fns.ReconcileWarehouse, keys.records);
    access.secret(fns.ReconcileWarehouse, 'snowflakeSecret', snowflakeSecret);
    fns.ReconcileWarehouse.addEnvironment('AIRLOCK_FUNCTION', 'reconcile');
    // One run at a time: a finding is appended once (the chain is read, then appended to).
    (fns.ReconcileWarehouse.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = 1;
    onSchedule(this, 'ReconcileSchedule', "Airlock: reconcile Snowflake's query history of the service user with the records", RECONCILE_INTERVAL, fns.ReconcileWarehouse, {
      time: events.EventField.time,
      windowSeconds: RECONCILE_WINDOW.toSeconds(),
    });
    const reconcileAlarm = new ReconcileAlarm(this, 'ReconcileAlarm', { period: RECONCILE_INTERVAL });
    new CfnOutput(this, 'ReconcileFunction', { value: fns.ReconcileWarehouse.functionName, description: 'Invoke with {"from","to"} to reconcile another window' });
    new CfnOutput(this, 'ReconcileAlarmName', { value: reconcileAlarm.alarm.alarmName });

    // The key policy repeats what the grants above say: only the record writers sign records.
    const recordWriters = [fns.PostQuery, fns.SlackInteractions, fns.ExecuteApprovedQuery, fns.RecordOutcome, fns.WriteCheckpoints, fns.ReconcileWarehouse];
    onlyTheseMaySign(keys.records, 'OnlyRecordWritersSign', recordWriters.map((fn) => fn.role!));

    const auditor = new AuditorRole(this, 'Auditor', {
      exportsKey: keys.exports,
      recordsKey: keys.records,
      records,
      requests,
      checkpoints,
      checkpointWriter: fns.WriteCheckpoints,
    });

    new Api(this, 'Api', {
      routeFunctions: {
        '/v1/queries': fns.PostQuery,
        '/v1/queries/{requestId}': fns.GetQuery,
        '/v1/sessions/{sessionId}': fns.GetSession,
        '/v1/explain': fns.Explain,
        '/v1/keys': fns.Public,
        '/v1/health': fns.Public,
        '/slack/interactions': fns.SlackInteractions,
      },
      logRetention,
      throttle: { rateLimit: config.throttleRateLimit, burstLimit: config.throttleBurstLimit },
    });
    new Alarms(this, 'Alarms', { functions: fns, stateMachine: flow.stateMachine, approvalsExpired: flow.expiredMetricFilter });

    new CfnOutput(this, 'RecordsKeyArn', { value: keys.records.keyArn, description: 'KMS key signing records now' });
    new CfnOutput(this, 'ExportsKeyArn', { value: keys.exports.keyArn, description: 'KMS key signing export manifests (auditor role only)' });
    new CfnOutput(this, 'AuditorRoleArn', { value: auditor.role.roleArn, description: 'Assume for `airlock export` in AWS' });
    new CfnOutput(this, 'StateMachineArn', { value: flow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'RecordsTableName', { value: records.tableName });
    new CfnOutput(this, 'RequestsTableName', { value: requests.tableName });
    new CfnOutput(this, 'CheckpointsTableName', { value: checkpoints.tableName });
    new CfnOutput(this, 'CheckpointWriterFunction', { value: fns.WriteCheckpoints.functionName });

    if (egress !== undefined) {
      new CfnOutput(this, 'SnowflakeEgressIp', { value: egress.eip.attrPublicIp, description: 'The one IP the Snowflake-facing functions reach Snowflake from: allow it in a network policy (docs/deploy.md §3)' });
    }

    suppressKnownNagFindings(this);
  }
}
