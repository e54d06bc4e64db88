import {
  BatchGetItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { AirlockError } from '../../errors.js';
import { parseStoredOutcome } from '../../ports/query-outcome.js';
import type { IdempotencyEntry, RequestItem, RequestStatus, RequestStore, SessionOwner, SlotClaim, VersionedDoc, Vote } from '../../ports/request-store.js';
import { REQUESTS_BY_STATUS_INDEX, TABLES, TTL_ATTRIBUTE } from './tables.js';
import { dynamoDbError, isConditionalCheckFailed } from './dynamodb-errors.js';
import { rememberBounded } from '../../bounded-cache.js';

type Item = Record<string, AttributeValue>;

// GSI keys must be plain strings; every other field is stored as its JSON, so any field
// (including ones added to RequestItem later) round-trips without a per-field codec.
const PLAIN = new Set(['status', 'createdAt']);
const RESERVED = new Set(['pk', 'ttl']);

const reqKey = (id: string): Item => ({ pk: { S: `req#${id}` } });
/** BatchGetItem's most keys per call. */
const BATCH_GET_MAX = 100;
const sessKey = (id: string): Item => ({ pk: { S: `sess#${id}` } });
const idemKey = (key: string): Item => ({ pk: { S: `idem#${key}` } });
const slotKey = (key: string): Item => ({ pk: { S: `slot#${key}` } });
const docKey = (key: string): Item => ({ pk: { S: `doc#${key}` } });
/** A counter item's set `name` is stored as the string-set attribute `set_<name>`. */
const SET_PREFIX = 'set_';
const SET_NAME = /^[A-Za-z0-9_]{1,64}$/;

function encodeField(name: string, value: unknown): AttributeValue {
  return PLAIN.has(name) ? { S: String(value) } : { S: JSON.stringify(value) };
}

/** Request state (never the evidence: records stay) is kept this long past an approval's expiry, then TTL removes it. */
export const REQUEST_RETENTION_SECONDS = 30 * 24 * 3600;

function encodeRequest(item: RequestItem): Item {
  const out: Item = { ...reqKey(item.requestId) };
  for (const [k, v] of Object.entries(item)) if (v !== undefined && !RESERVED.has(k)) out[k] = encodeField(k, v);
  const expires = item.expiresAt === undefined ? NaN : Date.parse(item.expiresAt);
  if (Number.isFinite(expires)) out[TTL_ATTRIBUTE] = { N: String(Math.floor(expires / 1000) + REQUEST_RETENTION_SECONDS) };
  return out;
}

function decodeRequest(item: Item): RequestItem {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) {
    if (RESERVED.has(k) || v.S === undefined) continue;
    const value: unknown = PLAIN.has(k) ? v.S : JSON.parse(v.S);
    if (k !== 'response') out[k] = value;
    else {
      // The stored answer is the one field whose shape varies (a union on `kind`): checked here, once.
      // One that is not an answer Airlock gives is no answer at all: never served as one.
      const response = parseStoredOutcome(value);
      if (response !== undefined) out[k] = response;
    }
  }
  return out as unknown as RequestItem;
}

function str(item: Item, name: string): string {
  const v = item[name]?.S;
  if (v === undefined) throw new AirlockError('ERR_STORE_UNAVAILABLE', `requests item ${item.pk?.S}: missing ${name}`);
  return v;
}

/**
 * RequestStore on the requests table (schema in `shared/adapters/aws/tables.ts`): request items
 * `req#<id>`, session owners `sess#<id>`, idempotency entries `idem#<key>`, counter items
 * `slot#<key>` (string sets, `claimSlots`) and documents `doc#<key>` (`putDoc`). Every write is
 * conditional; `transition` is one UpdateItem conditioned on the status, so two processes
 * racing on the same request cannot both win.
 *
 * @example
 * const requests = new DynamoDbRequestStore(client, TABLES.requests);
 * const owner = await requests.claimSession({ sessionId, owner: identityKey(p), createdAt });
 */
export class DynamoDbRequestStore implements RequestStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #owners = new Map<string, SessionOwner>();

  /** `tableName` defaults to `TABLES.requests` (prefix `airlock`). */
  constructor(client: DynamoDBClient, tableName: string = TABLES.requests) {
    this.#client = client;
    this.#table = tableName;
  }

  /** Puts `item` if its key is free; returns false when it was taken. */
  async #putIfAbsent(item: Item, what: string): Promise<boolean> {
    try {
      await this.#client.send(
        new PutItemCommand({ TableName: this.#table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return true;
    } catch (cause) {
      if (isConditionalCheckFailed(cause)) return false;
      throw dynamoDbError(cause, what);
    }
  }

  async #get(key: Item, what: string): Promise<Item | null> {
    try {
      const out = await this.#client.send(new GetItemCommand({ TableName: this.#table, Key: key, ConsistentRead: true }));
      return out.Item ?? null;
    } catch (cause) {
      throw dynamoDbError(cause, what);
    }
  }

  async claimSession(s: SessionOwner): Promise<SessionOwner> {
    // A session's owner never changes once written, so a remembered one is always current.
    const known = this.#owners.get(s.sessionId);
    if (known !== undefined) return known;
    const owner = await this.#claimSession(s);
    rememberBounded(this.#owners, s.sessionId, owner, 10_000);
    return owner;
  }

  async #claimSession(s: SessionOwner): Promise<SessionOwner> {
    const item = { ...sessKey(s.sessionId), sessionId: { S: s.sessionId }, owner: { S: s.owner }, createdAt: { S: s.createdAt } };
    if (await this.#putIfAbsent(item, `claim session ${s.sessionId}`)) return { ...s };
    const existing = await this.getSession(s.sessionId);
    if (existing === null) throw new AirlockError('ERR_STORE_UNAVAILABLE', `session ${s.sessionId}: claim lost but no owner found`);
    return existing;
  }

  async getSession(sessionId: string): Promise<SessionOwner | null> {
    const item = await this.#get(sessKey(sessionId), `get session ${sessionId}`);
    if (item === null) return null;
    return { sessionId: str(item, 'sessionId'), owner: str(item, 'owner'), createdAt: str(item, 'createdAt') };
  }

  async claimIdempotency(e: IdempotencyEntry): Promise<IdempotencyEntry> {
    const item = { ...idemKey(e.key), key: { S: e.key }, bodyHash: { S: e.bodyHash }, requestId: { S: e.requestId } };
    if (await this.#putIfAbsent(item, 'claim idempotency key')) return { ...e };
    const existing = await this.#get(idemKey(e.key), 'get idempotency key');
    if (existing === null) throw new AirlockError('ERR_STORE_UNAVAILABLE', 'idempotency claim lost but no entry found');
    return { key: str(existing, 'key'), bodyHash: str(existing, 'bodyHash'), requestId: str(existing, 'requestId') };
  }

  async releaseIdempotency(key: string): Promise<void> {
    try {
      await this.#client.send(new DeleteItemCommand({ TableName: this.#table, Key: idemKey(key) }));
    } catch (cause) {
      throw dynamoDbError(cause, 'release idempotency key');
    }
  }

  async put(item: RequestItem): Promise<void> {
    if (!(await this.#putIfAbsent(encodeRequest(item), `put request ${item.requestId}`))) {
      throw new AirlockError('ERR_REQUEST_EXISTS', `request ${item.requestId} already exists`);
    }
  }

  async get(requestId: string): Promise<RequestItem | null> {
    const item = await this.#get(reqKey(requestId), `get request ${requestId}`);
    return item === null ? null : decodeRequest(item);
  }

  async getMany(requestIds: readonly string[]): Promise<RequestItem[]> {
    const unique = [...new Set(requestIds)];
    const found = new Map<string, RequestItem>();
    for (let i = 0; i < unique.length; i += BATCH_GET_MAX) {
      let keys: Item[] = unique.slice(i, i + BATCH_GET_MAX).map(reqKey);
      // DynamoDB may leave keys unprocessed (throughput): asked again a few times, then one by one.
      for (let attempt = 0; keys.length > 0 && attempt < 3; attempt++) {
        let out;
        try {
          out = await this.#client.send(new BatchGetItemCommand({ RequestItems: { [this.#table]: { Keys: keys, ConsistentRead: true } } }));
        } catch (cause) {
          throw dynamoDbError(cause, `get ${keys.length} requests`);
        }
        for (const item of out.Responses?.[this.#table] ?? []) {
          const decoded = decodeRequest(item);
          found.set(decoded.requestId, decoded);
        }
        keys = out.UnprocessedKeys?.[this.#table]?.Keys ?? [];
      }
      for (const key of keys) {
        const item = await this.#get(key, 'get request');
        if (item !== null) {
          const decoded = decodeRequest(item);
          found.set(decoded.requestId, decoded);
        }
      }
    }
    return requestIds.flatMap((id) => {
      const item = found.get(id);
      return item === undefined ? [] : [item];
    });
  }

  async transition(requestId: string, from: RequestStatus[], patch: Partial<RequestItem>): Promise<boolean> {
    return this.#update(requestId, from, patch);
  }

  async transitionVotes(requestId: string, from: RequestStatus[], expectedVotes: Vote[], patch: Partial<RequestItem>): Promise<boolean> {
    // votes is stored as its JSON text, so equality of the text is equality of the list the caller read.
    return this.#update(requestId, from, patch, { name: 'votes', value: encodeField('votes', expectedVotes) });
  }

  async #update(requestId: string, from: RequestStatus[], patch: Partial<RequestItem>, expect?: { name: string; value: AttributeValue }): Promise<boolean> {
    if (patch.requestId !== undefined && patch.requestId !== requestId) {
      throw new AirlockError('ERR_VALIDATION', `transition cannot change requestId (${requestId} → ${patch.requestId})`);
    }
    const allowed = [...new Set(from)];
    if (allowed.length === 0) return false;
    const names: Record<string, string> = { '#status': 'status' };
    const values: Item = {};
    allowed.forEach((s, i) => (values[`:from${i}`] = { S: s }));
    const sets: string[] = [];
    Object.entries(patch).forEach(([k, v], i) => {
      if (v === undefined || RESERVED.has(k) || k === 'requestId') return;
      names[`#f${i}`] = k;
      values[`:v${i}`] = encodeField(k, v);
      sets.push(`#f${i} = :v${i}`);
    });
    if (expect !== undefined) {
      names['#expect'] = expect.name;
      values[':expect'] = expect.value;
    }
    // An empty patch still has to test the condition; SET status = status is a no-op write.
    if (sets.length === 0) sets.push('#status = #status');
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: reqKey(requestId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression:
            `attribute_exists(pk) AND #status IN (${allowed.map((_, i) => `:from${i}`).join(', ')})` + (expect === undefined ? '' : ' AND #expect = :expect'),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (cause) {
      if (isConditionalCheckFailed(cause)) return false;
      throw dynamoDbError(cause, `transition request ${requestId}`);
    }
  }

  async listByStatus(status: RequestStatus): Promise<RequestItem[]> {
    const items: RequestItem[] = [];
    let start: Item | undefined;
    do {
      let out;
      try {
        // GSIs are eventually consistent: a request that changed status a moment ago may
        // still be listed; callers re-read with `get` before acting on one.
        out = await this.#client.send(
          new QueryCommand({
            TableName: this.#table,
            IndexName: REQUESTS_BY_STATUS_INDEX,
            KeyConditionExpression: '#status = :s',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':s': { S: status } },
            ExclusiveStartKey: start,
          }),
        );
      } catch (cause) {
        throw dynamoDbError(cause, `list requests ${status}`);
      }
      for (const item of out.Items ?? []) items.push(decodeRequest(item));
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }

  async claimSlots(key: string, claims: SlotClaim[]): Promise<boolean> {
    if (claims.length === 0) return true;
    const names: Record<string, string> = {};
    const values: Item = {};
    const adds: string[] = [];
    const conds: string[] = [];
    claims.forEach((c, i) => {
      if (!SET_NAME.test(c.set)) throw new AirlockError('ERR_VALIDATION', `slot set name ${JSON.stringify(c.set)} is not a plain name`);
      names[`#s${i}`] = SET_PREFIX + c.set;
      values[`:a${i}`] = { SS: [c.member] };
      values[`:m${i}`] = { N: String(c.max) };
      adds.push(`#s${i} :a${i}`);
      // Room for one more, or the member is in already (the ADD is then a no-op).
      conds.push(`(attribute_not_exists(#s${i}) OR size(#s${i}) < :m${i} OR contains(#s${i}, :e${i}))`);
      values[`:e${i}`] = { S: c.member };
    });
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: slotKey(key),
          UpdateExpression: `ADD ${adds.join(', ')}`,
          ConditionExpression: conds.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (cause) {
      if (isConditionalCheckFailed(cause)) return false;
      throw dynamoDbError(cause, 'claim slots');
    }
  }

  async listSlots(key: string): Promise<Record<string, string[]>> {
    const item = await this.#get(slotKey(key), 'list slots');
    const out: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(item ?? {})) if (k.startsWith(SET_PREFIX) && v.SS !== undefined) out[k.slice(SET_PREFIX.length)] = [...v.SS].sort();
    return out;
  }

  async releaseSlots(key: string, set: string, members: string[]): Promise<void> {
    if (members.length === 0) return;
    if (!SET_NAME.test(set)) throw new AirlockError('ERR_VALIDATION', `slot set name ${JSON.stringify(set)} is not a plain name`);
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: slotKey(key),
          UpdateExpression: 'DELETE #s :d',
          ExpressionAttributeNames: { '#s': SET_PREFIX + set },
          ExpressionAttributeValues: { ':d': { SS: [...new Set(members)] } },
        }),
      );
    } catch (cause) {
      throw dynamoDbError(cause, 'release slots');
    }
  }

  async getDoc(key: string): Promise<VersionedDoc | null> {
    const item = await this.#get(docKey(key), 'get document');
    if (item === null) return null;
    return { version: Number(item['version']?.N ?? '0'), value: JSON.parse(str(item, 'doc')) as unknown };
  }

  async putDoc(key: string, value: unknown, expected: number | null): Promise<boolean> {
    const item: Item = { ...docKey(key), version: { N: String((expected ?? 0) + 1) }, doc: { S: JSON.stringify(value) } };
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: item,
          ...(expected === null
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': { N: String(expected) } } }),
        }),
      );
      return true;
    } catch (cause) {
      if (isConditionalCheckFailed(cause)) return false;
      throw dynamoDbError(cause, 'put document');
    }
  }
}
