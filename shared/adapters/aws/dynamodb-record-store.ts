import { GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AirlockError } from '../../errors.js';
import type { RecordStore } from '../../ports/record-store.js';
import { checkRecordWrite } from '../../records/check-record-write.js';
import type { SessionRecord } from '../../records/types.js';
import { TABLES } from '../../tables.js';
import { dynamoDbError, isConditionalCheckFailed } from './dynamodb-errors.js';

/**
 * RecordStore on the records table (schema in `shared/tables.ts`). One PutItem per record,
 * conditional on the (sessionId, seq) slot being free — the chain's only concurrency
 * control. Reads are strongly consistent so a head read after a lost put sees the winner.
 *
 * @example
 * const records = new DynamoDbRecordStore(client, TABLES.records);
 * await records.append(record, canonical); // ERR_CHAIN_CONFLICT if the seq is taken
 */
export class DynamoDbRecordStore implements RecordStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;

  /** `tableName` defaults to `TABLES.records` (prefix `airlock`). */
  constructor(client: DynamoDBClient, tableName: string = TABLES.records) {
    this.#client = client;
    this.#table = tableName;
  }

  async append(record: SessionRecord, canonical: string): Promise<void> {
    checkRecordWrite(record, canonical);
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            sessionId: { S: record.sessionId },
            seq: { N: String(record.seq) },
            record: { S: canonical },
            hash: { S: record.hash },
            at: { S: record.at },
            day: { S: record.at.slice(0, 10) },
          },
          // The item exists iff the slot is taken; the key already names the slot.
          ConditionExpression: 'attribute_not_exists(sessionId)',
        }),
      );
    } catch (cause) {
      if (!isConditionalCheckFailed(cause)) throw dynamoDbError(cause, `append ${record.sessionId}/${record.seq}`);
      // The SDK retries a PutItem whose response was lost; the retry then finds our own
      // record in the slot. That is success, not a conflict — else appendRecord would write
      // the same event again at the next seq.
      if ((await this.#stored(record.sessionId, record.seq)) === canonical) return;
      throw new AirlockError('ERR_CHAIN_CONFLICT', `record ${record.sessionId}/${record.seq} already exists`, { cause });
    }
  }

  async #stored(sessionId: string, seq: number): Promise<string | undefined> {
    try {
      const out = await this.#client.send(
        new GetItemCommand({
          TableName: this.#table,
          Key: { sessionId: { S: sessionId }, seq: { N: String(seq) } },
          ExpressionAttributeNames: { '#record': 'record' },
          ProjectionExpression: '#record',
          ConsistentRead: true,
        }),
      );
      return out.Item?.record?.S;
    } catch (cause) {
      throw dynamoDbError(cause, `read ${sessionId}/${seq}`);
    }
  }

  async head(sessionId: string): Promise<{ seq: number; hash: string } | null> {
    let out;
    try {
      out = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'sessionId = :s',
          ExpressionAttributeValues: { ':s': { S: sessionId } },
          ExpressionAttributeNames: { '#seq': 'seq', '#hash': 'hash' },
          ProjectionExpression: '#seq, #hash',
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
    } catch (cause) {
      throw dynamoDbError(cause, `head ${sessionId}`);
    }
    const item = out.Items?.[0];
    if (item === undefined) return null;
    const seq = Number(item.seq?.N);
    const hash = item.hash?.S;
    if (!Number.isSafeInteger(seq) || hash === undefined) {
      throw new AirlockError('ERR_STORE_UNAVAILABLE', `head ${sessionId}: stored item lacks seq/hash`);
    }
    return { seq, hash };
  }

  async list(sessionId: string): Promise<string[]> {
    const records: string[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      let out;
      try {
        out = await this.#client.send(
          new QueryCommand({
            TableName: this.#table,
            KeyConditionExpression: 'sessionId = :s',
            ExpressionAttributeValues: { ':s': { S: sessionId } },
            ExpressionAttributeNames: { '#record': 'record' },
            ProjectionExpression: '#record',
            ScanIndexForward: true,
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
      } catch (cause) {
        throw dynamoDbError(cause, `list ${sessionId}`);
      }
      for (const item of out.Items ?? []) {
        const s = item.record?.S;
        if (s === undefined) throw new AirlockError('ERR_STORE_UNAVAILABLE', `list ${sessionId}: an item has no record attribute`);
        records.push(s);
      }
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return records;
  }
}
