import { createHash } from 'node:crypto';
import { DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Admission, QuotaCheck, QuotaStore } from '../../ports/quota-store.js';
import { windows } from '../../ports/quota-store.js';
import { TABLES, TTL_ATTRIBUTE } from './tables.js';
import { dynamoDbError, isConditionalCheckFailed } from './dynamodb-errors.js';

type Item = Record<string, AttributeValue>;

/**
 * QuotaStore on the requests table (no new table, no new service): items keyed `quota#…` with
 * the table's TTL attribute, so old windows and lapsed leases disappear by themselves.
 *
 *   quota#rpm#<id>#<minute>   n (N): requests this minute; ADD conditioned on n < limit
 *   quota#wh#<id>#<hour>      ms (N): warehouse time this hour; quota#wd#<id>#<day> per day
 *   quota#lease#<id>#<i>      one of `max` concurrency leases: leaseId (S), untilMs (N); taken by a Put
 *                             conditioned on "absent or lapsed", freed by a Delete conditioned on leaseId
 *
 * `<id>` is the SHA-256 of the identity key, so no subject or issuer is spelled in a key.
 *
 * @example
 * const quotas = new DynamoDbQuotaStore(client, TABLES.requests);
 */
export class DynamoDbQuotaStore implements QuotaStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  /** leaseId → slot index, for the request's own finish (a lapsed lease needs no finish). */
  readonly #slots = new Map<string, string>();

  constructor(client: DynamoDBClient, tableName: string = TABLES.requests) {
    this.#client = client;
    this.#table = tableName;
  }

  async admit(c: QuotaCheck): Promise<Admission> {
    const id = hashId(c.identity);
    const w = windows(c.now);
    const nowSec = Math.floor(c.now.getTime() / 1000);
    try {
      // Every request counts, refused or not; the condition only keeps the counter from growing past the limit + 1.
      if (c.requestsPerMinute !== undefined) {
        try {
          await this.#client.send(
            new UpdateItemCommand({
              TableName: this.#table,
              Key: { pk: { S: `quota#rpm#${id}#${w.minute}` } },
              UpdateExpression: 'ADD n :one SET #ttl = :ttl',
              ConditionExpression: 'attribute_not_exists(n) OR n < :max',
              ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
              ExpressionAttributeValues: { ':one': { N: '1' }, ':max': { N: String(c.requestsPerMinute) }, ':ttl': { N: String(nowSec + 180) } },
            }),
          );
        } catch (e) {
          if (isConditionalCheckFailed(e)) return { admitted: false, limit: 'requestsPerMinute', retryAfterSeconds: w.secondsToMinute };
          throw e;
        }
      }
      if (c.warehouseSecondsPerHour !== undefined && (await this.#number(`quota#wh#${id}#${w.hour}`, 'ms')) >= c.warehouseSecondsPerHour * 1000) {
        return { admitted: false, limit: 'warehouseSecondsPerHour', retryAfterSeconds: w.secondsToHour };
      }
      if (c.warehouseSecondsPerDay !== undefined && (await this.#number(`quota#wd#${id}#${w.day}`, 'ms')) >= c.warehouseSecondsPerDay * 1000) {
        return { admitted: false, limit: 'warehouseSecondsPerDay', retryAfterSeconds: w.secondsToDay };
      }
      if (c.lease !== undefined) {
        const nowMs = c.now.getTime();
        let soonest = Infinity;
        for (let i = 0; i < c.lease.max; i++) {
          const pk = `quota#lease#${id}#${i}`;
          try {
            await this.#client.send(
              new PutItemCommand({
                TableName: this.#table,
                Item: { pk: { S: pk }, leaseId: { S: c.lease.id }, untilMs: { N: String(c.lease.until.getTime()) }, [TTL_ATTRIBUTE]: { N: String(Math.ceil(c.lease.until.getTime() / 1000) + 60) } },
                ConditionExpression: 'attribute_not_exists(pk) OR untilMs <= :now',
                ExpressionAttributeValues: { ':now': { N: String(nowMs) } },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              }),
            );
            this.#slots.set(c.lease.id, pk);
            return { admitted: true };
          } catch (e) {
            if (!isConditionalCheckFailed(e)) throw e;
            const until = Number((e as { Item?: Item }).Item?.['untilMs']?.N);
            if (Number.isFinite(until)) soonest = Math.min(soonest, until);
          }
        }
        // Not every DynamoDB implementation returns the old item on a failed condition (dynalite does not): read them.
        if (!Number.isFinite(soonest)) {
          for (let i = 0; i < c.lease.max; i++) {
            const until = await this.#number(`quota#lease#${id}#${i}`, 'untilMs');
            if (until > nowMs) soonest = Math.min(soonest, until);
          }
        }
        const wait = Number.isFinite(soonest) ? Math.ceil((soonest - nowMs) / 1000) : 1;
        return { admitted: false, limit: 'concurrentStatements', retryAfterSeconds: Math.max(1, wait) };
      }
      return { admitted: true };
    } catch (e) {
      throw dynamoDbError(e, 'quota check');
    }
  }

  async finish(input: { identity: string; leaseId?: string; warehouseMs: number; now: Date }): Promise<void> {
    const id = hashId(input.identity);
    const w = windows(input.now);
    const nowSec = Math.floor(input.now.getTime() / 1000);
    try {
      if (input.leaseId !== undefined) {
        const pk = this.#slots.get(input.leaseId);
        this.#slots.delete(input.leaseId);
        if (pk !== undefined) {
          await this.#client
            .send(new DeleteItemCommand({ TableName: this.#table, Key: { pk: { S: pk } }, ConditionExpression: 'leaseId = :id', ExpressionAttributeValues: { ':id': { S: input.leaseId } } }))
            .catch((e: unknown) => {
              if (!isConditionalCheckFailed(e)) throw e; // lapsed and taken by another request: not ours to free
            });
        }
      }
      const ms = Math.max(0, Math.round(input.warehouseMs));
      if (ms > 0) {
        await this.#add(`quota#wh#${id}#${w.hour}`, ms, nowSec + 2 * 3600);
        await this.#add(`quota#wd#${id}#${w.day}`, ms, nowSec + 2 * 86_400);
      }
    } catch (e) {
      throw dynamoDbError(e, 'quota finish');
    }
  }

  async #number(pk: string, attr: string): Promise<number> {
    const out = await this.#client.send(new GetItemCommand({ TableName: this.#table, Key: { pk: { S: pk } }, ConsistentRead: true }));
    const n = Number(out.Item?.[attr]?.N ?? '0');
    return Number.isFinite(n) ? n : 0;
  }

  async #add(pk: string, ms: number, ttl: number): Promise<void> {
    await this.#client.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: { pk: { S: pk } },
        UpdateExpression: 'ADD ms :ms SET #ttl = :ttl',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':ms': { N: String(ms) }, ':ttl': { N: String(ttl) } },
      }),
    );
  }
}

function hashId(identity: string): string {
  return createHash('sha256').update(identity, 'utf8').digest('hex').slice(0, 32);
}
