import { beforeAll, describe, expect, it } from 'vitest';
import { AWS_ENV } from '#shared/wiring/aws-env.js';
import { reconcileEmfLine } from '#shared/reconcile/reconcile-metrics.js';
import type { ReconcileFinding } from '#shared/reconcile/reconcile-finding.js';
import { SOURCE_MASKING_HEALTH_PK } from '#shared/adapters/aws/dynamodb-source-masking-health-store.js';
import { sharedSynth } from './shared-synth.js';
import { policyStatements, refersTo, type Statement } from './synth-stack.js';

let s: ReturnType<typeof sharedSynth>;
let statements: Statement[];

beforeAll(() => {
  s = sharedSynth();
  statements = policyStatements(s.json);
});

const resources = () => Object.entries(s.json.Resources);
const finding = (kind: ReconcileFinding['kind']): ReconcileFinding => ({ kind, flagged: true, reason: 'no_airlock_tag', message: 'm' });

describe('the scheduled reconcile (issue 18) in the synthesized template', () => {
  it('runs ReconcileWarehouse every 15 minutes over the last hour, one run at a time', () => {
    const fnId = s.ids.functions.ReconcileWarehouse;
    const rules = resources().filter(([, r]) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties!['Targets']).includes(`"${fnId}"`));
    expect(rules).toHaveLength(1);
    const rule = rules[0]![1].Properties!;
    expect(rule['ScheduleExpression']).toBe('rate(15 minutes)');
    expect(rule['State'] ?? 'ENABLED').toBe('ENABLED');
    const target = (rule['Targets'] as Array<Record<string, any>>)[0]!;
    expect(target['Arn']).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
    // The window travels with the event: the last 3,600 s before the fire time.
    expect(target['InputTransformer'].InputTemplate).toMatch(/"windowSeconds":3600/);
    expect(target['InputTransformer'].InputPathsMap).toEqual({ time: '$.time' });
    const fn = s.json.Resources[fnId]!.Properties!;
    expect(fn['ReservedConcurrentExecutions']).toBe(1);
    // Its certified key may sign only the reconcile's record types (FUNCTION_RECORD_TYPES.reconcile).
    expect(fn['Environment'].Variables.AIRLOCK_FUNCTION).toBe('reconcile');
  });

  it('alarms on a single new unrecorded_query or sql_mismatch: the metric the function emits, Sum >= 1 in one 15-minute period', () => {
    const alarms = resources().filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties!['Namespace'] === 'Airlock/Reconcile').map(([, r]) => r.Properties!);
    expect(alarms).toHaveLength(1);
    const a = alarms[0]!;
    expect(a).toMatchObject({
      MetricName: 'BypassFindings',
      Statistic: 'Sum',
      Period: 900,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(a['Dimensions']).toBeUndefined();
    // What the function writes (an EMF line) names the same namespace and metric, with no dimensions,
    // and counts each bypass kind once: one unrecorded query or one mismatch reaches the threshold.
    for (const kind of ['unrecorded_query', 'sql_mismatch'] as const) {
      const emf = JSON.parse(reconcileEmfLine([finding(kind)], new Date()));
      const directive = emf._aws.CloudWatchMetrics[0];
      expect(directive.Namespace).toBe(a['Namespace']);
      expect(directive.Dimensions).toEqual([[]]);
      expect(directive.Metrics.map((m: { Name: string }) => m.Name)).toContain(a['MetricName']);
      expect(emf[a['MetricName'] as string]).toBeGreaterThanOrEqual(a['Threshold'] as number);
    }
    const clean = JSON.parse(reconcileEmfLine([finding('missing_in_history'), finding('outcome_resolved')], new Date()));
    expect(clean[a['MetricName'] as string]).toBeLessThan(a['Threshold'] as number);
  });

  it('grants ReconcileWarehouse exactly: read and append records, read and settle requests, sign with the records key, read the Snowflake secret', () => {
    const role = s.ids.roles.ReconcileWarehouse;
    const mine = statements.filter((st) => st.roles.includes(role));
    const data = mine.filter((st) => st.actions.some((a) => /^(dynamodb|kms|states|secretsmanager|cloudwatch|lambda|s3|sqs|sns):/.test(a)));
    const on = (id: string) => data.filter((st) => st.conditions === undefined && st.resources.some((r) => refersTo(r, id))).flatMap((st) => st.actions).sort();
    expect(on(s.ids.records)).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    expect(on(s.ids.requests)).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    // …and, under a condition, PutItem on the one source-masking health item (asserted below).
    expect(data.filter((st) => st.conditions !== undefined).flatMap((st) => st.actions)).toEqual(['dynamodb:PutItem']);
    expect(on(s.ids.recordsKey)).toEqual(['kms:GetPublicKey', 'kms:Sign']);
    expect(on(s.ids.checkpoints)).toEqual([]);
    expect(on(s.ids.exportsKey)).toEqual([]);
    expect(on(s.ids.stateMachine)).toEqual([]);
    const secrets = data.filter((st) => st.actions.some((a) => a.startsWith('secretsmanager:')));
    expect(secrets.flatMap((st) => st.actions).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    expect(secrets.every((st) => st.resources.every((r) => JSON.stringify(r).includes('secret:airlock/snowflake')))).toBe(true);
    // Every data statement is one of the above: nothing else (no Scan, no PutMetricData — EMF needs none).
    const accounted = [s.ids.records, s.ids.requests, s.ids.recordsKey];
    const other = data.filter((st) => !st.resources.every((r) => accounted.some((id) => refersTo(r, id)) || JSON.stringify(r).includes('secret:airlock/snowflake')));
    expect(other).toEqual([]);
    expect(data.flatMap((st) => st.actions).filter((a) => ['dynamodb:Scan', 'dynamodb:DeleteItem', 'cloudwatch:PutMetricData'].includes(a))).toEqual([]);
    const env = s.json.Resources[s.ids.functions.ReconcileWarehouse]!.Properties!['Environment'].Variables as Record<string, unknown>;
    expect(Object.keys(env).filter((k) => Object.values(AWS_ENV).includes(k as never)).sort()).toEqual(
      [AWS_ENV.recordsTable, AWS_ENV.requestsTable, AWS_ENV.recordsKeyArn, AWS_ENV.snowflakeSecret].sort(),
    );
  });

  it.each([
    ['ReconcileWarehouse', 'dynamodb:PutItem'],
    ['Public', 'dynamodb:GetItem'],
  ] as const)('%s may %s only the source-masking health item of the requests table (dynamodb:LeadingKeys)', (fn, action) => {
    const role = s.ids.roles[fn];
    const mine = statements.filter((st) => st.roles.includes(role) && st.actions.some((a) => a.startsWith('dynamodb:')));
    // Every statement granting the action on the requests table: exactly one, conditioned on the one key.
    const granting = mine.filter((st) => st.actions.includes(action) && st.resources.some((r) => refersTo(r, s.ids.requests)));
    expect(granting).toHaveLength(1);
    const st = granting[0]!;
    expect(st.effect).toBe('Allow');
    expect(st.actions).toEqual([action]);
    // The table itself, no index (GetItem/PutItem take no index anyway) and no other table.
    expect(st.resources).toEqual([{ 'Fn::GetAtt': [s.ids.requests, 'Arn'] }]);
    // ForAllValues:StringEquals on LeadingKeys: every partition key the request names must be that one value.
    expect(st.conditions).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [SOURCE_MASKING_HEALTH_PK] } });
    expect(SOURCE_MASKING_HEALTH_PK).toBe('health#source-masking');
    // No other statement of the role gives the action on the requests table without that condition.
    expect(mine.filter((x) => x !== st && x.actions.includes(action) && x.resources.some((r) => refersTo(r, s.ids.requests)))).toEqual([]);
  });

  it('Public touches nothing else of the requests table: GetItem on the health item is its only requests statement', () => {
    const role = s.ids.roles.Public;
    const onRequests = statements.filter((st) => st.roles.includes(role) && st.resources.some((r) => refersTo(r, s.ids.requests)));
    expect(onRequests.flatMap((st) => st.actions)).toEqual(['dynamodb:GetItem']);
    expect(onRequests.every((st) => st.conditions !== undefined)).toBe(true);
    const env = s.json.Resources[s.ids.functions.Public]!.Properties!['Environment'].Variables as Record<string, unknown>;
    expect(AWS_ENV.requestsTable in env).toBe(true);
    expect(AWS_ENV.recordsTable in env).toBe(false);
  });
});
