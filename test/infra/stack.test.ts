import aslValidator from 'asl-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { API_ROUTES } from '#shared/http/router.js';
import { TABLE_SCHEMAS } from '#shared/adapters/aws/tables.js';
import { AWS_ENV } from '#shared/wiring/aws-env.js';
import { APPROVAL_STATES, LAMBDA_INVOKE_WAIT } from '#shared/workflow/approval-state-machine.js';
import { FUNCTIONS, type FunctionName } from '../../infra/function-catalog.js';
import { NAG_ACKNOWLEDGEMENTS, UNSCOPABLE_ACTIONS } from '../../infra/nag-suppressions.js';
import { sharedSynth } from './shared-synth.js';
import { CDK_JSON_CONTEXT, policyStatements, refersTo, synthStack, type SharedSynth, type Statement } from './synth-stack.js';

let s: ReturnType<typeof sharedSynth>;
let statements: Statement[];
let roleOf: (fn: FunctionName) => string;
let ids: SharedSynth['ids'];

beforeAll(() => {
  s = sharedSynth();
  statements = policyStatements(s.json);
  roleOf = (fn) => s.ids.roles[fn];
  ids = s.ids;
});

const allows = (st: Statement, action: string) => st.effect === 'Allow' && st.actions.some((a) => a === action || (a.endsWith('*') && action.startsWith(a.slice(0, -1))));
const RECORD_WRITERS: FunctionName[] = ['PostQuery', 'SlackInteractions', 'ExecuteApprovedQuery', 'RecordOutcome', 'WriteCheckpoints', 'ReconcileWarehouse'];

describe('least privilege, read from the synthesized template', () => {
  it('no role may UpdateItem or DeleteItem on the records table or its indexes', () => {
    const offending = statements.filter(
      (st) => (allows(st, 'dynamodb:UpdateItem') || allows(st, 'dynamodb:DeleteItem')) && st.resources.some((r) => refersTo(r, ids.records)),
    );
    expect(offending).toEqual([]);
    // …and the record writers can append: PutItem on records is granted somewhere, so the check above is not vacuous.
    expect(statements.some((st) => allows(st, 'dynamodb:PutItem') && st.resources.some((r) => refersTo(r, ids.records)))).toBe(true);
  });

  it('only the record-writing functions may kms:Sign, only with the records key; the auditor only with the export key', () => {
    const signers = statements.filter((st) => allows(st, 'kms:Sign'));
    const byRole = new Map<string, unknown[]>();
    for (const st of signers) for (const role of st.roles) byRole.set(role, [...(byRole.get(role) ?? []), ...st.resources]);
    const expected = new Set([...RECORD_WRITERS.map(roleOf), ids.auditor]);
    expect(new Set(byRole.keys())).toEqual(expected);
    for (const fn of RECORD_WRITERS) {
      const resources = byRole.get(roleOf(fn))!;
      expect(resources.every((r) => refersTo(r, ids.recordsKey) && !refersTo(r, ids.exportsKey)), fn).toBe(true);
    }
    expect(byRole.get(ids.auditor)!.every((r) => refersTo(r, ids.exportsKey) && !refersTo(r, ids.recordsKey))).toBe(true);
  });

  it('the export key policy denies kms:Sign to every principal but the auditor role', () => {
    const key = s.json.Resources[ids.exportsKey]!.Properties!['KeyPolicy'].Statement as Array<Record<string, any>>;
    const deny = key.find((st) => st['Sid'] === 'OnlyTheAuditorRoleSigns')!;
    expect(deny).toMatchObject({ Effect: 'Deny', Action: 'kms:Sign', Principal: { AWS: '*' } });
    expect(deny['Condition'].ArnNotEquals['aws:PrincipalArn']).toEqual([{ 'Fn::GetAtt': [ids.auditor, 'Arn'] }]);
  });

  it('the records key policy denies kms:Sign to every principal but the record writers\' roles', () => {
    const key = s.json.Resources[ids.recordsKey]!.Properties!['KeyPolicy'].Statement as Array<Record<string, any>>;
    const deny = key.find((st) => st['Sid'] === 'OnlyRecordWritersSign')!;
    expect(deny).toMatchObject({ Effect: 'Deny', Action: 'kms:Sign', Principal: { AWS: '*' } });
    const roles = (deny['Condition'].ArnNotEquals['aws:PrincipalArn'] as Array<{ 'Fn::GetAtt': [string, string] }>).map((r) => r['Fn::GetAtt'][0]);
    expect(roles.sort()).toEqual(RECORD_WRITERS.map(roleOf).sort());
  });

  it('only the query API may states:StartExecution, and only on the approval state machine', () => {
    const starters = statements.filter((st) => allows(st, 'states:StartExecution'));
    expect(starters.flatMap((st) => st.roles)).toEqual([roleOf('PostQuery')]);
    expect(starters.every((st) => st.resources.every((r) => refersTo(r, ids.stateMachine)))).toBe(true);
  });

  it('only the Slack interactions function may send task success or failure', () => {
    for (const action of ['states:SendTaskSuccess', 'states:SendTaskFailure']) {
      const senders = statements.filter((st) => allows(st, action));
      expect(senders.flatMap((st) => st.roles), action).toEqual([roleOf('SlackInteractions')]);
      expect(senders.every((st) => st.resources.every((r) => refersTo(r, ids.stateMachine)))).toBe(true);
    }
  });

  it('no statement has a * resource unless every action in it cannot be scoped, and no action is a wildcard', () => {
    const star = statements.filter((st) => st.resources.includes('*'));
    expect(star.length).toBeGreaterThan(0); // X-Ray is in there: the filter sees real statements
    expect(star.flatMap((st) => st.actions).filter((a) => !UNSCOPABLE_ACTIONS.has(a))).toEqual([]);
    expect(statements.flatMap((st) => st.actions).filter((a) => a.includes('*'))).toEqual([]);
    // Nor a wildcard inside a named resource (index/*, function:*).
    expect(statements.flatMap((st) => st.resources).filter((r) => r !== '*' && /\*/.test(JSON.stringify(r)))).toEqual([]);
  });

  it('functions that do not execute queries get neither the Snowflake secret nor the masking key', () => {
    for (const spec of FUNCTIONS) {
      const env = s.json.Resources[ids.functions[spec.name]]!.Properties!['Environment'].Variables as Record<string, unknown>;
      expect(AWS_ENV.snowflakeSecret in env, spec.name).toBe(spec.executesQueries);
      // The scheduled reconcile reads Snowflake's history and returns no rows to anyone: no masking key.
      expect(AWS_ENV.maskingKeySecret in env, spec.name).toBe(spec.executesQueries && spec.name !== 'ReconcileWarehouse');
      expect('SNOWFLAKE_DISABLE_MINICORE' in env, spec.name).toBe(spec.executesQueries);
    }
  });

  it('every access variable a function holds comes with its grant (records table ⇔ a records statement)', () => {
    for (const spec of FUNCTIONS) {
      const env = s.json.Resources[ids.functions[spec.name]]!.Properties!['Environment'].Variables as Record<string, unknown>;
      const mine = statements.filter((st) => st.roles.includes(roleOf(spec.name)));
      const touches = (id: string) => mine.some((st) => st.resources.some((r) => refersTo(r, id)));
      expect(AWS_ENV.recordsTable in env, spec.name).toBe(touches(ids.records));
      expect(AWS_ENV.requestsTable in env, spec.name).toBe(touches(ids.requests));
      expect(AWS_ENV.checkpointsTable in env, spec.name).toBe(touches(ids.checkpoints));
      expect(AWS_ENV.stateMachineArn in env, spec.name).toBe(touches(ids.stateMachine));
    }
  });
});

describe('the approval state machine', () => {
  let definition: Record<string, any>;
  beforeAll(() => {
    const sm = s.json.Resources[ids.stateMachine]!.Properties!;
    // A literal string: ARNs come in through DefinitionSubstitutions.
    expect(typeof sm['DefinitionString']).toBe('string');
    definition = JSON.parse(sm['DefinitionString'] as string);
  });

  it('passes asl-validator as it stands in the template', () => {
    const result = aslValidator(definition);
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('waits on a task token with an explicit timeout, and expires into the record-outcome task', () => {
    const notify = definition['States'][APPROVAL_STATES.notify];
    expect(notify.Resource).toBe(LAMBDA_INVOKE_WAIT);
    expect(notify.Parameters.Payload['taskToken.$']).toBe('$$.Task.Token');
    expect(notify.TimeoutSeconds ?? notify.TimeoutSecondsPath).toBeDefined();
    expect(notify.Catch).toContainEqual(expect.objectContaining({ ErrorEquals: ['States.Timeout'], Next: APPROVAL_STATES.recordExpired }));
    for (const state of Object.values(definition['States']) as Array<Record<string, unknown>>) {
      if (state['Type'] === 'Task') expect(state['TimeoutSeconds'] ?? state['TimeoutSecondsPath']).toBeDefined();
    }
  });

  it('is Standard, logged and traced, and invokes exactly its three task functions', () => {
    const sm = s.json.Resources[ids.stateMachine]!.Properties!;
    expect(sm['StateMachineType']).toBe('STANDARD');
    expect(sm['TracingConfiguration']).toEqual({ Enabled: true });
    expect(sm['LoggingConfiguration'].Level).toBe('ALL');
    const subs = sm['DefinitionSubstitutions'] as Record<string, { 'Fn::GetAtt': [string, string] }>;
    expect(Object.values(subs).map((v) => v['Fn::GetAtt'][0]).sort()).toEqual(
      (['NotifyApprovers', 'ExecuteApprovedQuery', 'RecordOutcome'] as const).map((f) => ids.functions[f]).sort(),
    );
  });
});

describe('tables, keys, functions, API', () => {
  it('maps TABLE_SCHEMAS with PITR, deletion protection, RETAIN, TTL on requests and the export index', () => {
    for (const [kind, id] of [['records', ids.records], ['requests', ids.requests], ['checkpoints', ids.checkpoints]] as const) {
      const t = s.json.Resources[id]!;
      expect(t.DeletionPolicy).toBe('Retain');
      expect(t.Properties!['PointInTimeRecoverySpecification']).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(t.Properties!['DeletionProtectionEnabled']).toBe(true);
      const schema = TABLE_SCHEMAS[kind];
      expect(t.Properties!['KeySchema'][0]).toEqual({ AttributeName: schema.partitionKey.name, KeyType: 'HASH' });
      expect((t.Properties!['GlobalSecondaryIndexes'] ?? []).map((g: { IndexName: string }) => g.IndexName)).toEqual(schema.globalSecondaryIndexes.map((g) => g.indexName));
    }
    expect(s.json.Resources[ids.requests]!.Properties!['TimeToLiveSpecification']).toEqual({ AttributeName: 'ttl', Enabled: true });
    expect(s.json.Resources[ids.records]!.Properties!['TimeToLiveSpecification']).toBeUndefined();
  });

  it('creates two retained ECC_NIST_P256 signing keys', () => {
    for (const id of [ids.recordsKey, ids.exportsKey]) {
      expect(s.json.Resources[id]!.Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
      expect(s.json.Resources[id]!.DeletionPolicy).toBe('Retain');
    }
  });

  it('runs every function on Node 22, ARM64, traced, with the bundled policy', () => {
    for (const spec of FUNCTIONS) {
      const p = s.json.Resources[ids.functions[spec.name]]!.Properties!;
      expect(p).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, Handler: 'index.handler' });
      expect(p['Environment'].Variables.AIRLOCK_POLICY).toBe('/var/task/policy.json');
    }
  });

  it('routes every API_ROUTES entry, throttles the stage and writes access logs', () => {
    const routeKeys = Object.values(s.json.Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route').map((r) => r.Properties!['RouteKey']);
    expect(routeKeys.sort()).toEqual(API_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      // Issue 15: the stage's rate and burst are cdk.json's airlock:throttleRateLimit / airlock:throttleBurstLimit.
      DefaultRouteSettings: { ThrottlingRateLimit: Number(CDK_JSON_CONTEXT['airlock:throttleRateLimit']), ThrottlingBurstLimit: Number(CDK_JSON_CONTEXT['airlock:throttleBurstLimit']) },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('alarms on every function\'s errors and throttles, failed workflows and expiring approvals', () => {
    const alarms = Object.values(s.json.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').map((r) => r.Properties!);
    const metricNames = alarms.map((a) => `${a['Namespace']}/${a['MetricName']}`);
    expect(metricNames.filter((m) => m === 'AWS/Lambda/Errors')).toHaveLength(FUNCTIONS.length);
    expect(metricNames.filter((m) => m === 'AWS/Lambda/Throttles')).toHaveLength(FUNCTIONS.length);
    expect(metricNames).toContain('AWS/States/ExecutionsFailed');
    expect(metricNames).toContain('Airlock/ApprovalsExpired');
    s.template.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: Match.stringLikeRegexp(APPROVAL_STATES.recordExpired) });
  });

  it('runs the checkpoint writer on an EventBridge schedule', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [ids.functions.WriteCheckpoints, 'Arn'] }, InputTransformer: Match.objectLike({ InputTemplate: Match.stringLikeRegexp('"intervalSeconds":300') }) })],
    });
  });

  it('runs the recovery of interrupted requests on an EventBridge schedule', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [ids.functions.RecoverInterrupted, 'Arn'] } })],
    });
  });

  it('the recovery function may read requests and update them, and nothing else: no put or delete, no records, no keys', () => {
    const mine = statements.filter((st) => st.roles.includes(roleOf('RecoverInterrupted')));
    const data = mine.filter((st) => st.actions.some((a) => a.startsWith('dynamodb:') || a.startsWith('kms:') || a.startsWith('states:') || a.startsWith('secretsmanager:')));
    expect(data.flatMap((st) => st.actions).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(data.every((st) => st.resources.every((r) => refersTo(r, ids.requests)))).toBe(true);
    const env = s.json.Resources[ids.functions.RecoverInterrupted]!.Properties!['Environment'].Variables as Record<string, unknown>;
    expect(Object.keys(env).filter((k) => Object.values(AWS_ENV).includes(k as never))).toEqual([AWS_ENV.requestsTable]);
  });

  it('GET /v1/queries/{id} may mark a stale request outcome_unknown (UpdateItem on requests) but never put, delete or sign', () => {
    const mine = statements.filter((st) => st.roles.includes(roleOf('GetQuery')));
    const onRequests = mine.filter((st) => st.resources.some((r) => refersTo(r, ids.requests))).flatMap((st) => st.actions);
    expect(onRequests).toContain('dynamodb:UpdateItem');
    for (const action of ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'kms:Sign']) expect(mine.some((st) => allows(st, action)), action).toBe(false);
  });

  it('references the Slack and Snowflake secrets by name and never holds a value', () => {
    const text = JSON.stringify(s.json);
    expect(text).toContain('secret:airlock/slack');
    expect(text).toContain('secret:airlock/snowflake');
    expect(Object.values(s.json.Resources).filter((r) => r.Type === 'AWS::SecretsManager::Secret').map((r) => Object.keys(r.Properties!).sort())).toEqual([
      ['Description', 'GenerateSecretString'],
    ]);
  });
});

describe('records key rotation (context airlock:recordsKeyVersion + previousRecordsKeyArns)', () => {
  it('signs with the new key only, and still publishes the old one through GET /v1/keys', async () => {
    const OLD = 'arn:aws:kms:eu-west-1:111122223333:key/old-records-key';
    const r = await synthStack({ 'airlock:recordsKeyVersion': 2, 'airlock:previousRecordsKeyArns': OLD });
    const st = policyStatements(r.json);
    const newKey = r.idOf(r.stack.node.findChild('Keys').node.findChild('RecordsKeyV2'));
    expect(() => r.stack.node.findChild('Keys').node.findChild('RecordsKey')).toThrow();
    expect(st.filter((x) => allows(x, 'kms:Sign')).flatMap((x) => x.resources).some((res) => JSON.stringify(res).includes('old-records-key'))).toBe(false);
    expect(st.some((x) => allows(x, 'kms:Sign') && x.resources.some((res) => refersTo(res, newKey)))).toBe(true);
    const publicRole = r.idOf(r.stack.functions.Public.role!);
    expect(st.some((x) => x.roles.includes(publicRole) && allows(x, 'kms:GetPublicKey') && x.resources.includes(OLD))).toBe(true);
    const env = r.json.Resources[r.idOf(r.stack.functions.Public)]!.Properties!['Environment'].Variables;
    expect(env[AWS_ENV.previousRecordsKeyArns]).toBe(OLD);
    r.template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/airlock-records-v2' });
  }, 60_000);
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding', () => {
    // The report is taken where the shared synth runs (it needs the construct tree): see describeSynth.
    expect(s.nag.findings).toEqual([]);
    expect(s.nag.success).toBe(true);
  });

  it('gives every acknowledgement a written reason', () => {
    for (const [id, reason] of Object.entries(NAG_ACKNOWLEDGEMENTS)) expect(reason.length, id).toBeGreaterThan(60);
  });
});
