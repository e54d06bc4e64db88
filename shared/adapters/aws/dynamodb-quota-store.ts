import { createHash } from 'node:crypto';
import { GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AirlockError } from '../../errors.js';
import type { Admission, FinishInput, PaceCheck, QuotaCheck, QuotaStore } from '../../ports/quota-store.js';
import { movedOn, pace, paceIntervalUs, paceRefusal, windows } from '../../ports/quota-store.js';
import { rememberBounded } from '../../bounded-cache.js';
import { TABLES, TTL_ATTRIBUTE } from './tables.js';
import { dynamoDbError, isConditionalCheckFailed } from './dynamodb-errors.js';

type Item = Record<string, AttributeValue>;

/** How often an admission or finish re-reads and retries when other containers changed the item under it. */
const MAX_ATTEMPTS = 8;
/** The usage item outlives its identity's last request by this long (TTL), then disappears by itself. */
const TTL_SECONDS = 2 * 86_400;
/** Identities whose tat a container remembers (hints only). */
const MAX_HINTS = 10_000;

/**
 * QuotaStore on the requests table (no new table, no new service): one usage item per identity,
 * `quota#use#<id>` (`<id>` is the SHA-256 of the identity key, so no subject or issuer is spelled in
 * a key), with the table's TTL attribute:
 *
 *   tat       the request pace's theoretical arrival time, µs (`pace` in ports/quota-store.ts)
 *   h, hms    the current hour and the warehouse milliseconds charged to it; d, dms the same per day
 *   lz        the concurrency leases: a map leaseId → untilMs (a lease lapses at untilMs even if never freed)
 *
 * A request is admitted by ONE conditional UpdateItem that moves its pace on, takes its lease and
 * checks every limit at once (the condition names them); its end is one UpdateItem that frees the
 * lease and charges its warehouse time. Only when a condition fails — a new hour/day, lapsed leases
 * to drop, the first request of an identity, a pace guessed wrong, or a limit really reached — is the
 * item read and an update built from what it holds (conditioned on exactly that, so a racing
 * container makes it retry). A refused request writes nothing.
 *
 * @example
 * const quotas = new DynamoDbQuotaStore(client, TABLES.requests);
 */
export class DynamoDbQuotaStore implements QuotaStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #tats = new Map<string, number>();

  constructor(client: DynamoDBClient, tableName: string = TABLES.requests) {
    this.#client = client;
    this.#table = tableName;
  }

  async admit(c: QuotaCheck): Promise<Admission> {
    const key = { pk: { S: `quota#use#${hashId(c.identity)}` } };
    const w = windows(c.now);
    const nowMs = c.now.getTime();
    const nowUs = nowMs * 1000;
    const limited = c.requestsPerMinute !== undefined || c.warehouseSecondsPerHour !== undefined || c.warehouseSecondsPerDay !== undefined || c.lease !== undefined;
    if (!limited) return { admitted: true };
    const rpm = c.requestsPerMinute;
    const interval = rpm === undefined ? 0 : paceIntervalUs(rpm);
    const ahead = rpm === undefined ? 0 : (c.burst ?? rpm) * interval;
    const cost = interval * (c.units ?? 1);
    try {
      // The steady state: leases map present and under its size, budgets left, the pace kept — no read.
      // The pace's clause depends on whether the identity is rested (tat <= now): this container's last
      // sight of its tat says which to try; a wrong guess only fails the condition and falls to the read.
      const blind = new Update(nowMs);
      if (rpm !== undefined) this.#movePace(blind, c.identity, null, nowUs, cost, nowUs + ahead - cost);
      this.#budgetConditions(blind, c, w);
      if (c.lease !== undefined) {
        blind.set('#lz.#lid = :until', { '#lz': 'lz', '#lid': c.lease.id }, { ':until': num(c.lease.until.getTime()) });
        // (attribute_exists first: moto evaluates size() of a missing attribute as an error, DynamoDB as false.)
        blind.cond('attribute_exists(#lz) AND size(#lz) < :max', { '#lz': 'lz' }, { ':max': num(c.lease.max) });
      }
      // (Budgets alone write nothing: they are checked on the item as read, below.)
      if (!blind.empty) {
        const tat = await this.#try(key, blind);
        if (tat !== false) {
          this.#remember(c.identity, tat);
          return { admitted: true };
        }
      }

      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const cur = await this.#read(key);
        if (cur.tat !== undefined) this.#remember(c.identity, cur.tat);
        // Nothing is taken until every limit admits the request, so a refusal writes nothing.
        const paced = rpm === undefined ? null : pace(cur.tat, nowUs, rpm, c.burst, c.units);
        if (paced !== null && !paced.admitted) return { admitted: false, limit: 'requestsPerMinute', retryAfterSeconds: paced.retryAfterSeconds };
        const live = [...cur.lz].filter(([, until]) => until > nowMs);
        const refused = budgetRefusal(c, cur, w);
        if (refused !== null) return refused;
        if (c.lease !== undefined && live.length >= c.lease.max) {
          return { admitted: false, limit: 'concurrentStatements', retryAfterSeconds: Math.max(1, Math.ceil((Math.min(...live.map(([, until]) => until)) - nowMs) / 1000)) };
        }
        const u = new Update(nowMs);
        if (paced !== null) this.#movePace(u, c.identity, cur, nowUs, cost);
        this.#budgetConditions(u, c, w);
        if (c.lease !== undefined) {
          if (!cur.hasLeases) {
            u.set('#lz = :lz', { '#lz': 'lz' }, { ':lz': { M: { [c.lease.id]: num(c.lease.until.getTime()) } } });
            u.cond('attribute_not_exists(#lz)', { '#lz': 'lz' }, {});
          } else {
            // Lapsed leases are dropped (each only if still as read); the rest, plus ours, stay under max.
            const lapsed = [...cur.lz].filter(([, until]) => until <= nowMs);
            lapsed.forEach(([id, until], i) => {
              u.remove(`#lz.#x${i}`, { '#lz': 'lz', [`#x${i}`]: id });
              u.cond(`#lz.#x${i} = :x${i}`, { '#lz': 'lz', [`#x${i}`]: id }, { [`:x${i}`]: num(until) });
            });
            u.set('#lz.#lid = :until', { '#lz': 'lz', '#lid': c.lease.id }, { ':until': num(c.lease.until.getTime()) });
            u.cond('size(#lz) < :maxPlus', { '#lz': 'lz' }, { ':maxPlus': num(c.lease.max + lapsed.length) });
          }
        }
        const tat = await this.#try(key, u);
        if (tat !== false) {
          this.#remember(c.identity, tat);
          return { admitted: true };
        }
      }
      throw new AirlockError('ERR_STORE_UNAVAILABLE', `quota check: the usage item kept changing under ${MAX_ATTEMPTS} attempts`);
    } catch (e) {
      throw dynamoDbError(e, 'quota check');
    }
  }

  pacedOut(c: PaceCheck): Admission | null {
    const seen = this.#tats.get(c.identity);
    return seen === undefined ? null : paceRefusal(seen, c);
  }

  /**
   * Moves the pace on by `cost` µs. From the item as read (`cur`): to exactly `max(tat, now) + cost`,
   * conditioned on the tat read. Blind (`cur` null): this container's last sight of the tat picks the
   * clause, rested (`now + cost`, if the tat is still at most now) or not (`tat + cost`, if the tat is
   * still ahead of now, and at most `latest` when given); a wrong guess fails its condition.
   */
  #movePace(u: Update, identity: string, cur: Usage | null, nowUs: number, cost: number, latest?: number): void {
    const names = { '#tat': 'tat' };
    const tat = cur === null ? this.#tats.get(identity) : cur.tat;
    if (cur !== null) {
      u.set('#tat = :tat', names, { ':tat': num(movedOn(tat, nowUs, cost)) });
      u.cond(tat === undefined ? 'attribute_not_exists(#tat)' : '#tat = :oldtat', names, tat === undefined ? {} : { ':oldtat': num(tat) });
    } else if (tat === undefined || tat <= nowUs) {
      u.set('#tat = :tat', names, { ':tat': num(nowUs + cost) });
      u.cond('(attribute_not_exists(#tat) OR #tat <= :now)', names, { ':now': num(nowUs) });
    } else {
      u.set('#tat = #tat + :cost', names, { ':cost': num(cost) });
      u.cond(latest === undefined ? '#tat > :now' : '#tat > :now AND #tat <= :latest', names, { ':now': num(nowUs), ...(latest === undefined ? {} : { ':latest': num(latest) }) });
    }
  }

  /** This container's last sight of an identity's tat: a hint for which blind update to try, and a lower bound of the pace. */
  #remember(identity: string, tat: number | undefined): void {
    if (tat !== undefined) rememberBounded(this.#tats, identity, tat, MAX_HINTS);
  }

  async finish(input: FinishInput): Promise<void> {
    const key = { pk: { S: `quota#use#${hashId(input.identity)}` } };
    const w = windows(input.now);
    const ms = Math.max(0, Math.round(input.warehouseMs));
    const nowUs = input.now.getTime() * 1000;
    const charge = input.pace === undefined || input.pace.units <= 0 ? 0 : input.pace.units * paceIntervalUs(input.pace.requestsPerMinute);
    if (input.leaseId === undefined && ms === 0 && charge === 0) return;
    try {
      const build = (cur: Usage | null): Update => {
        const u = new Update(input.now.getTime());
        if (input.leaseId !== undefined) u.remove('#lz.#lid', { '#lz': 'lz', '#lid': input.leaseId });
        // What the answer cost, onto the pace (no burst applies: the cost was spent).
        if (charge > 0) this.#movePace(u, input.identity, cur, nowUs, charge);
        if (ms > 0) {
          for (const [k, kms, at] of [['h', 'hms', w.hour], ['d', 'dms', w.day]] as const) {
            const names = { [`#${k}`]: k, [`#${kms}`]: kms };
            if (cur === null || cur[k] === at) {
              // The steady state (blind), or the window the item already holds: add to it.
              u.set(`#${kms} = #${kms} + :ms`, names, { ':ms': num(ms) });
              u.cond(`#${k} = :${k}`, names, { [`:${k}`]: num(at) });
            } else {
              u.set(`#${k} = :${k}, #${kms} = :ms`, names, { [`:${k}`]: num(at), ':ms': num(ms) });
              u.cond(cur[k] === undefined ? `attribute_not_exists(#${k})` : `#${k} = :old${k}`, names, cur[k] === undefined ? {} : { [`:old${k}`]: num(cur[k]) });
            }
          }
        }
        return u;
      };
      const blind = await this.#try(key, build(null));
      if (blind !== false) return this.#remember(input.identity, blind);
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const done = await this.#try(key, build(await this.#read(key)));
        if (done !== false) return this.#remember(input.identity, done);
      }
      throw new AirlockError('ERR_STORE_UNAVAILABLE', `quota finish: the usage item kept changing under ${MAX_ATTEMPTS} attempts`);
    } catch (e) {
      throw dynamoDbError(e, 'quota finish');
    }
  }

  /** Warehouse budgets left this hour / day: the condition holds when the item is in another window or under the budget. */
  #budgetConditions(u: Update, c: QuotaCheck, w: ReturnType<typeof windows>): void {
    const budgets = [
      ['h', 'hms', w.hour, c.warehouseSecondsPerHour],
      ['d', 'dms', w.day, c.warehouseSecondsPerDay],
    ] as const;
    for (const [k, kms, at, seconds] of budgets) {
      if (seconds === undefined) continue;
      u.cond(`(attribute_not_exists(#${k}) OR #${k} <> :${k} OR #${kms} < :${kms}Max)`, { [`#${k}`]: k, [`#${kms}`]: kms }, { [`:${k}`]: num(at), [`:${kms}Max`]: num(seconds * 1000) });
    }
  }

  /** false: a condition failed; otherwise the item's tat after the update (undefined: it has none). */
  async #try(key: Item, u: Update): Promise<number | undefined | false> {
    if (u.empty) return undefined;
    try {
      const out = await this.#client.send(new UpdateItemCommand({ TableName: this.#table, Key: key, ...u.input(), ReturnValues: 'UPDATED_NEW' }));
      const tat = out.Attributes?.['tat']?.N;
      return tat === undefined ? undefined : Number(tat);
    } catch (e) {
      if (isConditionalCheckFailed(e)) return false;
      throw e;
    }
  }

  async #read(key: Item): Promise<Usage> {
    const out = await this.#client.send(new GetItemCommand({ TableName: this.#table, Key: key, ConsistentRead: true }));
    const item = out.Item;
    const n = (v: AttributeValue | undefined): number | undefined => (v?.N === undefined ? undefined : Number(v.N));
    const lz = new Map<string, number>();
    for (const [id, v] of Object.entries(item?.['lz']?.M ?? {})) lz.set(id, Number(v.N ?? 0));
    return { hasLeases: item?.['lz']?.M !== undefined, tat: n(item?.['tat']), h: n(item?.['h']), hms: n(item?.['hms']) ?? 0, d: n(item?.['d']), dms: n(item?.['dms']) ?? 0, lz };
  }
}

interface Usage {
  hasLeases: boolean;
  tat: number | undefined;
  h: number | undefined;
  hms: number;
  d: number | undefined;
  dms: number;
  lz: Map<string, number>;
}

/** The warehouse budget a request is over, from the item as read; null when within both. */
function budgetRefusal(c: QuotaCheck, cur: Usage, w: ReturnType<typeof windows>): Admission | null {
  if (c.warehouseSecondsPerHour !== undefined && cur.h === w.hour && cur.hms >= c.warehouseSecondsPerHour * 1000) {
    return { admitted: false, limit: 'warehouseSecondsPerHour', retryAfterSeconds: w.secondsToHour };
  }
  if (c.warehouseSecondsPerDay !== undefined && cur.d === w.day && cur.dms >= c.warehouseSecondsPerDay * 1000) {
    return { admitted: false, limit: 'warehouseSecondsPerDay', retryAfterSeconds: w.secondsToDay };
  }
  return null;
}

/** One UpdateItem being built: SET and REMOVE clauses, ANDed conditions, their names and values. */
class Update {
  readonly #sets: string[] = [];
  readonly #removes: string[] = [];
  readonly #conds: string[] = [];
  readonly #names: Record<string, string> = {};
  readonly #values: Item = {};
  readonly #nowMs: number;

  constructor(nowMs: number) {
    this.#nowMs = nowMs;
  }

  get empty(): boolean {
    return this.#sets.length === 0 && this.#removes.length === 0;
  }

  set(clause: string, names: Record<string, string>, values: Item): this {
    this.#sets.push(clause);
    return this.#add(names, values);
  }

  remove(path: string, names: Record<string, string>): this {
    this.#removes.push(path);
    return this.#add(names, {});
  }

  cond(expr: string, names: Record<string, string>, values: Item): this {
    this.#conds.push(expr);
    return this.#add(names, values);
  }

  input(): { UpdateExpression: string; ConditionExpression?: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues?: Item } {
    const sets = [...this.#sets, '#ttl = :ttl'];
    const names = { ...this.#names, '#ttl': TTL_ATTRIBUTE };
    const values = { ...this.#values, ':ttl': num(Math.floor(this.#nowMs / 1000) + TTL_SECONDS) };
    return {
      UpdateExpression: `SET ${sets.join(', ')}${this.#removes.length === 0 ? '' : ` REMOVE ${this.#removes.join(', ')}`}`,
      ...(this.#conds.length === 0 ? {} : { ConditionExpression: this.#conds.join(' AND ') }),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  #add(names: Record<string, string>, values: Item): this {
    Object.assign(this.#names, names);
    Object.assign(this.#values, values);
    return this;
  }
}

function num(n: number): AttributeValue {
  return { N: String(n) };
}

function hashId(identity: string): string {
  return createHash('sha256').update(identity, 'utf8').digest('hex').slice(0, 32);
}
