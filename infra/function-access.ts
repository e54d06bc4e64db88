import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { SOURCE_MASKING_HEALTH_PK } from '#shared/adapters/aws/dynamodb-source-masking-health-store.js';
import { TABLE_SCHEMAS, type TableNames } from '#shared/adapters/aws/tables.js';
import { AWS_ENV } from '#shared/wiring/aws-env.js';

/**
 * Every environment variable that gives a function access to something, set together with
 * the IAM grant that makes it usable — the only way the stack hands out access, so a name
 * and its permission cannot drift apart, and no function holds a grant it has no variable
 * for (or the reverse). Actions are listed exactly; none is a wildcard.
 */

const RECORDS_READ = ['dynamodb:GetItem', 'dynamodb:Query'];
/** Append-only: a conditional PutItem; never UpdateItem or DeleteItem (asserted in test/infra). */
const RECORDS_APPEND = [...RECORDS_READ, 'dynamodb:PutItem'];
const REQUESTS_READ = ['dynamodb:GetItem', 'dynamodb:Query'];
/** BatchGetItem: the functions that keep approval messages (and digests) current read a digest's requests in one call. */
const REQUESTS_WRITE = [...REQUESTS_READ, 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
/** Read, and the one conditional update of recovery (`running → outcome_unknown`): no PutItem, no DeleteItem. */
const REQUESTS_RECOVER = [...REQUESTS_READ, 'dynamodb:UpdateItem'];

/** The ARNs of a table's indexes, named from `TABLE_SCHEMAS` (no `index/*` wildcard). */
export function indexArns(table: dynamodb.ITable, kind: keyof TableNames): string[] {
  return TABLE_SCHEMAS[kind].globalSecondaryIndexes.map((i) => `${table.tableArn}/index/${i.indexName}`);
}

function grantTable(fn: lambda.Function, table: dynamodb.ITable, kind: keyof TableNames, actions: string[]): void {
  fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [table.tableArn, ...indexArns(table, kind)] }));
}

/** Only the item whose partition key is `health#source-masking`: IAM's `dynamodb:LeadingKeys` on every key the request names. */
function onlySourceMaskingHealthItem(fn: lambda.Function, table: dynamodb.ITable, action: 'dynamodb:GetItem' | 'dynamodb:PutItem'): void {
  fn.addEnvironment(AWS_ENV.requestsTable, table.tableName);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: [action],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [SOURCE_MASKING_HEALTH_PK] } },
    }),
  );
}

export const FunctionAccess = {
  recordsRead(fn: lambda.Function, table: dynamodb.ITable): void {
    fn.addEnvironment(AWS_ENV.recordsTable, table.tableName);
    grantTable(fn, table, 'records', RECORDS_READ);
  },
  /**
   * Read every session of the records table: the checkpoint writer's fallback when an event
   * does not say which sessions changed (it checks all of them rather than miss a head).
   * `Scan` on the table only, never its index; still read-only.
   */
  recordsReadAll(fn: lambda.Function, table: dynamodb.ITable): void {
    fn.addEnvironment(AWS_ENV.recordsTable, table.tableName);
    grantTable(fn, table, 'records', RECORDS_READ);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [table.tableArn] }));
  },
  recordsAppend(fn: lambda.Function, table: dynamodb.ITable): void {
    fn.addEnvironment(AWS_ENV.recordsTable, table.tableName);
    grantTable(fn, table, 'records', RECORDS_APPEND);
  },
  requestsRead(fn: lambda.Function, table: dynamodb.ITable): void {
    fn.addEnvironment(AWS_ENV.requestsTable, table.tableName);
    grantTable(fn, table, 'requests', REQUESTS_READ);
  },
  /** Read requests and mark an interrupted one `outcome_unknown` (recovery: the schedule and GET /v1/queries/{id}). */
  requestsRecover(fn: lambda.Function, table: dynamodb.ITable): void {
    fn.addEnvironment(AWS_ENV.requestsTable, table.tableName);
    grantTable(fn, table, 'requests', REQUESTS_RECOVER);
  },
  /** Read requests and settle an `outcome_unknown` one from its `query.reconciled` record (the scheduled reconcile): the same conditional update, nothing more. */
  requestsSettle(fn: lambda.Function, table: dynamodb.ITable): void {
    fn.addEnvironment(AWS_ENV.requestsTable, table.tableName);
    grantTable(fn, table, 'requests', REQUESTS_RECOVER);
  },
  requestsWrite(fn: lambda.Function, table: dynamodb.ITable): void {
    fn.addEnvironment(AWS_ENV.requestsTable, table.tableName);
    grantTable(fn, table, 'requests', REQUESTS_WRITE);
  },
  /** Keep the last source-masking check (the scheduled reconcile): PutItem on the one `health#source-masking` item, nothing else. */
  sourceMaskingHealthWrite(fn: lambda.Function, table: dynamodb.ITable): void {
    onlySourceMaskingHealthItem(fn, table, 'dynamodb:PutItem');
  },
  /** Read the last source-masking check for `GET /v1/health` (Public): GetItem on the one `health#source-masking` item, nothing else. */
  sourceMaskingHealthRead(fn: lambda.Function, table: dynamodb.ITable): void {
    onlySourceMaskingHealthItem(fn, table, 'dynamodb:GetItem');
  },
  checkpointsAppend(fn: lambda.Function, table: dynamodb.ITable): void {
    fn.addEnvironment(AWS_ENV.checkpointsTable, table.tableName);
    grantTable(fn, table, 'checkpoints', RECORDS_APPEND);
  },
  /** Sign records (and checkpoints) with the records key — only functions that append records. */
  recordsSigning(fn: lambda.Function, key: kms.IKey): void {
    fn.addEnvironment(AWS_ENV.recordsKeyArn, key.keyArn);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Sign', 'kms:GetPublicKey'], resources: [key.keyArn] }));
  },
  /** Read the public halves of every key that ever signed, for `GET /v1/keys`. No signing. */
  publicKeys(fn: lambda.Function, keys: { records: kms.IKey; exports: kms.IKey; previousRecordsKeyArns: string[] }): void {
    fn.addEnvironment(AWS_ENV.recordsKeyArn, keys.records.keyArn);
    fn.addEnvironment(AWS_ENV.exportsKeyArn, keys.exports.keyArn);
    if (keys.previousRecordsKeyArns.length > 0) fn.addEnvironment(AWS_ENV.previousRecordsKeyArns, keys.previousRecordsKeyArns.join(','));
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:GetPublicKey'],
        resources: [keys.records.keyArn, keys.exports.keyArn, ...keys.previousRecordsKeyArns],
      }),
    );
  },
  /** Start the approval workflow — only the query API. */
  startApproval(fn: lambda.Function, stateMachine: sfn.IStateMachine): void {
    fn.addEnvironment(AWS_ENV.stateMachineArn, stateMachine.stateMachineArn);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachine.stateMachineArn] }));
  },
  /** Resume or fail a waiting approval (task token) — only the Slack interactions function. */
  taskResponses(fn: lambda.Function, stateMachine: sfn.IStateMachine): void {
    fn.addEnvironment(AWS_ENV.stateMachineArn, stateMachine.stateMachineArn);
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: [stateMachine.stateMachineArn] }),
    );
  },
  secret(fn: lambda.Function, which: 'maskingKeySecret' | 'slackSecret' | 'snowflakeSecret', secret: secretsmanager.ISecret): void {
    // A secret imported by name has no full ARN; GetSecretValue takes the name as well.
    fn.addEnvironment(AWS_ENV[which], secret.secretFullArn ?? secret.secretName);
    secret.grantRead(fn);
  },
};
