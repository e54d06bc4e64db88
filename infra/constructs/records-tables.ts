import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_SCHEMAS, type KeyAttribute, type TableNames, type TableSchema } from '#shared/adapters/aws/tables.js';

const ATTRIBUTE_TYPE = { S: dynamodb.AttributeType.STRING, N: dynamodb.AttributeType.NUMBER } as const;
const attr = (k: KeyAttribute): dynamodb.Attribute => ({ name: k.name, type: ATTRIBUTE_TYPE[k.type] });

/**
 * The DynamoDB tables, mapped from the same `TABLE_SCHEMAS` the local runtime gives dynalite,
 * so key schemas and indexes cannot differ between runtimes. Evidence is never destroyed by a
 * stack operation: point-in-time recovery, deletion protection and `RETAIN` on every table.
 * TTL (`ttl`) is enabled where the schema names it: pending requests expire from the requests
 * table, never records.
 */
export class RecordsTables extends Construct {
  readonly records: dynamodb.Table;
  readonly requests: dynamodb.Table;
  readonly checkpoints: dynamodb.Table;

  constructor(scope: Construct, id: string, props: { names: TableNames }) {
    super(scope, id);
    this.records = this.#table('Records', props.names.records, TABLE_SCHEMAS.records);
    this.requests = this.#table('Requests', props.names.requests, TABLE_SCHEMAS.requests);
    this.checkpoints = this.#table('Checkpoints', props.names.checkpoints, TABLE_SCHEMAS.checkpoints);
  }

  #table(id: string, tableName: string, schema: TableSchema): dynamodb.Table {
    const table = new dynamodb.Table(this, id, {
      tableName,
      partitionKey: attr(schema.partitionKey),
      ...(schema.sortKey === undefined ? {} : { sortKey: attr(schema.sortKey) }),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      ...(schema.timeToLiveAttribute === undefined ? {} : { timeToLiveAttribute: schema.timeToLiveAttribute }),
    });
    for (const index of schema.globalSecondaryIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attr(index.partitionKey),
        sortKey: attr(index.sortKey),
        projectionType: index.projection === 'ALL' ? dynamodb.ProjectionType.ALL : dynamodb.ProjectionType.KEYS_ONLY,
      });
    }
    return table;
  }
}
