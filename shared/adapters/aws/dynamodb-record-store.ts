import { GetItemCommand, PutItemCommand, QueryCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AirlockError } from '../../errors.js';
import type { RecordStore } from '../../ports/record-store.js';
import { checkRecordWrite } from '../../records/check-record-write.js';
import type { SessionRecord } from '../../records/types.js';
import { RECORDS_BY_DAY_INDEX, RECORDS_BY_REQUEST_INDEX, REQUESTED_ATTRIBUTE, TABLES } from './tables.js';
import { dynamoDbError, isConditionalCheckFailed } from './dynamodb-errors.js';

/**
 * RecordStore on the records table (schema in `shared/adapters/aws/tables.ts`). One PutItem per record,
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
            // Sparse index attribute: a request is found from its id (`requested`).
            ...(record.type === 'query.requested' ? { [REQUESTED_ATTRIBUTE]: { S: record.requestId } } : {}),
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

  async requested(requestId: string): Promise<{ sessionId: string; seq: number } | null> {
    let out;
    try {
      out = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: RECORDS_BY_REQUEST_INDEX,
          KeyConditionExpression: '#rq = :r',
          ExpressionAttributeNames: { '#rq': REQUESTED_ATTRIBUTE },
          ExpressionAttributeValues: { ':r': { S: requestId } },
          Limit: 1,
        }),
      );
    } catch (cause) {
      throw dynamoDbError(cause, `find request ${requestId}`);
    }
    const item = out.Items?.[0];
    if (item === undefined) return null;
    const seq = Number(item.seq?.N);
    const sessionId = item.sessionId?.S;
    if (!Number.isSafeInteger(seq) || sessionId === undefined) throw new AirlockError('ERR_STORE_UNAVAILABLE', `find request ${requestId}: index item lacks sessionId/seq`);
    return { sessionId, seq };
  }

  async list(sessionId: string, fromSeq?: number): Promise<string[]> {
    // One paginated read path for replay, GET /v1/sessions and export alike.
    const records: string[] = [];
    for await (const page of this.pages(sessionId, 1000, fromSeq)) records.push(...page);
    return records;
  }


  async sessionIds(range: { from?: string; to?: string }): Promise<string[]> {
    const ids = new Set<string>();
    const days = range.from === undefined ? null : daysBetween(range.from, range.to ?? new Date(Date.now() + 86_400_000).toISOString());
    // One byDay query per day of a bounded range; an open start (or a span of decades) scans instead.
    if (days !== null && days.length <= MAX_INDEX_DAYS) {
      for (const day of days) await this.#collect(ids, `sessions on ${day}`, (start) => new QueryCommand({
        TableName: this.#table,
        IndexName: RECORDS_BY_DAY_INDEX,
        KeyConditionExpression: '#day = :d AND #at BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#day': 'day', '#at': 'at' },
        ExpressionAttributeValues: { ':d': { S: day }, ':from': { S: range.from ?? '' }, ':to': { S: range.to ?? '9999' } },
        ExclusiveStartKey: start,
      }));
      return [...ids].sort();
    }
    const filter = atFilter(range);
    await this.#collect(ids, 'scan sessions', (start) => new ScanCommand({
      TableName: this.#table,
      ProjectionExpression: 'sessionId',
      ...filter,
      ExclusiveStartKey: start,
    }));
    return [...ids].sort();
  }

  async #collect(ids: Set<string>, what: string, command: (start: Record<string, AttributeValue> | undefined) => QueryCommand | ScanCommand): Promise<void> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      let out;
      try {
        out = await this.#client.send(command(start) as QueryCommand);
      } catch (cause) {
        throw dynamoDbError(cause, what);
      }
      for (const item of out.Items ?? []) if (item.sessionId?.S !== undefined) ids.add(item.sessionId.S);
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
  }

  async *pages(sessionId: string, pageSize = 1000, fromSeq?: number): AsyncIterable<string[]> {
    let start: Record<string, AttributeValue> | undefined;
    const from = fromSeq !== undefined && Number.isSafeInteger(fromSeq) && fromSeq > 1 ? fromSeq : undefined;
    do {
      let out;
      try {
        out = await this.#client.send(
          new QueryCommand({
            TableName: this.#table,
            KeyConditionExpression: from === undefined ? 'sessionId = :s' : 'sessionId = :s AND #seq >= :from',
            ExpressionAttributeValues: from === undefined ? { ':s': { S: sessionId } } : { ':s': { S: sessionId }, ':from': { N: String(from) } },
            ExpressionAttributeNames: from === undefined ? { '#record': 'record' } : { '#record': 'record', '#seq': 'seq' },
            ProjectionExpression: '#record',
            ConsistentRead: true,
            Limit: pageSize,
            ExclusiveStartKey: start,
          }),
        );
      } catch (cause) {
        throw dynamoDbError(cause, `page ${sessionId}`);
      }
      const page: string[] = [];
      for (const item of out.Items ?? []) {
        const s = item.record?.S;
        if (s === undefined) throw new AirlockError('ERR_STORE_UNAVAILABLE', `page ${sessionId}: an item has no record attribute`);
        page.push(s);
      }
      if (page.length > 0) yield page;
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
  }
}

const MAX_INDEX_DAYS = 3660;

/** The YYYY-MM-DD days from `from` to `to` inclusive (empty when to < from). */
function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const end = to.slice(0, 10);
  for (let t = Date.parse(`${from.slice(0, 10)}T00:00:00.000Z`); days.length <= MAX_INDEX_DAYS; t += 86_400_000) {
    if (Number.isNaN(t)) return days;
    const day = new Date(t).toISOString().slice(0, 10);
    if (day > end) break;
    days.push(day);
  }
  return days;
}

function atFilter(range: { from?: string; to?: string }): { FilterExpression?: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, AttributeValue> } {
  const parts: string[] = [];
  const values: Record<string, AttributeValue> = {};
  if (range.from !== undefined) {
    parts.push('#at >= :from');
    values[':from'] = { S: range.from };
  }
  if (range.to !== undefined) {
    parts.push('#at <= :to');
    values[':to'] = { S: range.to };
  }
  return parts.length === 0 ? {} : { FilterExpression: parts.join(' AND '), ExpressionAttributeNames: { '#at': 'at' }, ExpressionAttributeValues: values };
}
