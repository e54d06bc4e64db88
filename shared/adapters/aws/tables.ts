import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The DynamoDB tables, defined once: the CDK stack maps `TABLE_SCHEMAS` onto
 * `dynamodb.Table` (adding point-in-time recovery and its IAM), the local runtime feeds
 * `createTableInputs()` to dynalite. Neither runtime spells a key or index name itself.
 *
 * records      pk sessionId (S), sk seq (N). Attributes: record (S, the canonical JSON —
 *              the only hashed bytes), hash (S, for head lookups without parsing), at (S),
 *              day (S, YYYY-MM-DD of `at`). GSI byDay (day, at), keys only: sessions with
 *              records in a time range, for export. GSI byRequest (requested, seq), keys
 *              only, sparse: only `query.requested` records carry `requested` (their request
 *              id), so a request is found from its id alone — a direct read keeps no request
 *              item (docs/record-format.md). Append-only: no update/delete grants.
 * requests     pk pk (S): `req#<requestId>` request state, `sess#<sessionId>` session owner,
 *              `idem#<identityKey>:<clientKey>` idempotency entry, `slot#<key>` counter item
 *              (string sets `set_<name>`: approval caps, Slack burst), `doc#<key>` versioned
 *              document (version N, doc S: Slack digests). Request items keep status
 *              (S) and createdAt (S) top-level for GSI byStatus (status, createdAt), all
 *              attributes projected: pending requests on restart. Sparse: only request items
 *              have `status`. TTL attribute `ttl` (N, epoch seconds) — dynalite has no
 *              UpdateTimeToLive, so only the CDK stack enables it; request items with an
 *              `expiresAt` get ttl = expiry + 30 days (request state only; records stay).
 * checkpoints  pk sessionId (S), sk seq (N): signed session heads, append-only.
 */
export interface TableNames {
  records: string;
  requests: string;
  checkpoints: string;
}

export type KeyType = 'S' | 'N';

export interface KeyAttribute {
  name: string;
  type: KeyType;
}

export interface IndexSchema {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  projection: 'ALL' | 'KEYS_ONLY';
}

export interface TableSchema {
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  globalSecondaryIndexes: IndexSchema[];
  timeToLiveAttribute?: string;
}

export const RECORDS_BY_DAY_INDEX = 'byDay';
export const RECORDS_BY_REQUEST_INDEX = 'byRequest';
/** The sparse attribute of `query.requested` items that `byRequest` indexes: the request id. */
export const REQUESTED_ATTRIBUTE = 'requested';
export const REQUESTS_BY_STATUS_INDEX = 'byStatus';
export const TTL_ATTRIBUTE = 'ttl';

/** DynamoDB's item limit is 400 KB (409,600 bytes) including attribute names and key/index attributes. */
export const MAX_ITEM_BYTES = 400 * 1024;
/** Largest canonical record stored: the item limit minus headroom for its key and index attributes. */
export const MAX_RECORD_BYTES = MAX_ITEM_BYTES - 1024;

export const TABLE_SCHEMAS: Readonly<Record<keyof TableNames, TableSchema>> = {
  records: {
    partitionKey: { name: 'sessionId', type: 'S' },
    sortKey: { name: 'seq', type: 'N' },
    globalSecondaryIndexes: [
      {
        indexName: RECORDS_BY_DAY_INDEX,
        partitionKey: { name: 'day', type: 'S' },
        sortKey: { name: 'at', type: 'S' },
        projection: 'KEYS_ONLY',
      },
      {
        indexName: RECORDS_BY_REQUEST_INDEX,
        partitionKey: { name: REQUESTED_ATTRIBUTE, type: 'S' },
        sortKey: { name: 'seq', type: 'N' },
        projection: 'KEYS_ONLY',
      },
    ],
  },
  requests: {
    partitionKey: { name: 'pk', type: 'S' },
    globalSecondaryIndexes: [
      {
        indexName: REQUESTS_BY_STATUS_INDEX,
        partitionKey: { name: 'status', type: 'S' },
        sortKey: { name: 'createdAt', type: 'S' },
        projection: 'ALL',
      },
    ],
    timeToLiveAttribute: TTL_ATTRIBUTE,
  },
  checkpoints: {
    partitionKey: { name: 'sessionId', type: 'S' },
    sortKey: { name: 'seq', type: 'N' },
    globalSecondaryIndexes: [],
  },
};

/**
 * Table names from a prefix: `airlock` → `airlock-records`, `airlock-requests`, `airlock-checkpoints`.
 *
 * @example
 * tableNames('airlock-test').records; // 'airlock-test-records'
 */
export function tableNames(prefix = 'airlock'): TableNames {
  return { records: `${prefix}-records`, requests: `${prefix}-requests`, checkpoints: `${prefix}-checkpoints` };
}

export const TABLES: Readonly<TableNames> = tableNames();

function createTableInput(tableName: string, schema: TableSchema): CreateTableCommandInput {
  const attrs = new Map<string, KeyType>();
  const add = (k: KeyAttribute | undefined): void => {
    if (k !== undefined) attrs.set(k.name, k.type);
  };
  add(schema.partitionKey);
  add(schema.sortKey);
  for (const g of schema.globalSecondaryIndexes) {
    add(g.partitionKey);
    add(g.sortKey);
  }
  const keySchema = (pk: KeyAttribute, sk?: KeyAttribute): CreateTableCommandInput['KeySchema'] => [
    { AttributeName: pk.name, KeyType: 'HASH' },
    ...(sk === undefined ? [] : [{ AttributeName: sk.name, KeyType: 'RANGE' as const }]),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attrs].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: keySchema(schema.partitionKey, schema.sortKey),
    ...(schema.globalSecondaryIndexes.length === 0
      ? {}
      : {
          GlobalSecondaryIndexes: schema.globalSecondaryIndexes.map((g) => ({
            IndexName: g.indexName,
            KeySchema: keySchema(g.partitionKey, g.sortKey),
            Projection: { ProjectionType: g.projection },
          })),
        }),
  };
}

/**
 * CreateTable inputs for every table (PAY_PER_REQUEST). TTL is not part of CreateTable;
 * see `TABLE_SCHEMAS[…].timeToLiveAttribute`.
 *
 * @example
 * for (const input of createTableInputs(tableNames('airlock'))) await client.send(new CreateTableCommand(input));
 */
export function createTableInputs(names: TableNames = TABLES): CreateTableCommandInput[] {
  return (Object.keys(TABLE_SCHEMAS) as (keyof TableNames)[]).map((k) => createTableInput(names[k], TABLE_SCHEMAS[k]));
}
