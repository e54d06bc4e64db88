import { GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AirlockError } from '../../errors.js';
import type { Checkpoint } from '../../export/checkpoint.js';
import type { CheckpointStore } from '../../ports/checkpoint-store.js';
import { TABLES } from './tables.js';
import { dynamoDbError, isConditionalCheckFailed } from './dynamodb-errors.js';

/**
 * CheckpointStore on the checkpoints table (pk sessionId, sk seq; `shared/adapters/aws/tables.ts`).
 * Append-only: one conditional PutItem per checkpoint, no update or delete.
 *
 * @example
 * const checkpoints = new DynamoDbCheckpointStore(client, TABLES.checkpoints);
 */
export class DynamoDbCheckpointStore implements CheckpointStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(client: DynamoDBClient, tableName: string = TABLES.checkpoints) {
    this.#client = client;
    this.#table = tableName;
  }

  async append(checkpoint: Checkpoint, canonical: string): Promise<void> {
    const key = { sessionId: { S: checkpoint.sessionId }, seq: { N: String(checkpoint.seq) } };
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: { ...key, checkpoint: { S: canonical }, at: { S: checkpoint.at } },
          ConditionExpression: 'attribute_not_exists(sessionId)',
        }),
      );
    } catch (cause) {
      if (!isConditionalCheckFailed(cause)) throw dynamoDbError(cause, `checkpoint ${checkpoint.sessionId}/${checkpoint.seq}`);
      let stored: string | undefined;
      try {
        const out = await this.#client.send(new GetItemCommand({ TableName: this.#table, Key: key, ConsistentRead: true }));
        stored = out.Item?.checkpoint?.S;
      } catch (e) {
        throw dynamoDbError(e, `read checkpoint ${checkpoint.sessionId}/${checkpoint.seq}`);
      }
      // A retried put that had landed finds its own bytes: success, as for records.
      if (stored === canonical) return;
      throw new AirlockError('ERR_CHAIN_CONFLICT', `checkpoint ${checkpoint.sessionId}/${checkpoint.seq} already exists`, { cause });
    }
  }

  async latest(sessionId: string): Promise<string | null> {
    const { items } = await this.#query(sessionId, { ScanIndexForward: false, Limit: 1 }, undefined);
    return items[0] ?? null;
  }

  async list(sessionId: string): Promise<string[]> {
    const all: string[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.#query(sessionId, { ScanIndexForward: true }, start);
      all.push(...page.items);
      start = page.next;
    } while (start !== undefined);
    return all;
  }

  async #query(
    sessionId: string,
    extra: { ScanIndexForward: boolean; Limit?: number },
    start: Record<string, AttributeValue> | undefined,
  ): Promise<{ items: string[]; next: Record<string, AttributeValue> | undefined }> {
    let out;
    try {
      out = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'sessionId = :s',
          ExpressionAttributeValues: { ':s': { S: sessionId } },
          ProjectionExpression: 'checkpoint',
          ConsistentRead: true,
          ExclusiveStartKey: start,
          ...extra,
        }),
      );
    } catch (cause) {
      throw dynamoDbError(cause, `checkpoints ${sessionId}`);
    }
    const items = (out.Items ?? []).map((i) => {
      const c = i.checkpoint?.S;
      if (c === undefined) throw new AirlockError('ERR_STORE_UNAVAILABLE', `checkpoints ${sessionId}: an item has no checkpoint attribute`);
      return c;
    });
    return { items, next: extra.Limit === undefined ? out.LastEvaluatedKey : undefined };
  }
}
