import type { SessionRecord } from '../records/types.js';

/**
 * Append-only storage of session records. A record is stored as its canonical JSON
 * string and returned byte for byte.
 *
 * @example
 * await store.append(record);            // conditional on (sessionId, seq) not existing
 * const head = await store.head('s1');   // { seq, hash } | null
 */
export interface RecordStore {
  /**
   * Writes one record if no record with the same (sessionId, seq) exists.
   * Throws AirlockError 'ERR_CHAIN_CONFLICT' when the slot is taken,
   * 'ERR_STORE_UNAVAILABLE' when the store cannot be reached.
   */
  append(record: SessionRecord, canonical: string): Promise<void>;
  /** The latest record of a session, or null for an unknown session. */
  head(sessionId: string): Promise<{ seq: number; hash: string } | null>;
  /**
   * Every record of a session in seq order, as the stored canonical strings; from `fromSeq` on when
   * given (a request's records start at its `query.requested`, so its readers need not read the
   * session's history before it). An implementation may return earlier records too: callers filter.
   */
  list(sessionId: string, fromSeq?: number): Promise<string[]>;
  /**
   * Where a request's write-ahead `query.requested` record is: its session and seq, or null when no
   * such record exists. A direct read keeps no request item, so this is how
   * `GET /v1/queries/{id}` finds it (also after a crash). Eventually consistent in DynamoDB
   * (a global secondary index): a record written a moment ago may not be found yet.
   */
  requested(requestId: string): Promise<{ sessionId: string; seq: number } | null>;
  /**
   * For export and checkpoints (optional so test doubles need not implement it; both adapters do):
   * the ids, sorted, of sessions with any record whose `at` lies in [from, to] (ISO strings,
   * inclusive, either end open). Uses the `byDay` index when `from` is given.
   */
  sessionIds?(range: { from?: string; to?: string }): Promise<string[]>;
  /** For export (optional, as above): a session's records in seq order, one store page at a time, so an export holds one page, never a session. */
  pages?(sessionId: string, pageSize?: number, fromSeq?: number): AsyncIterable<string[]>;
}

/** A RecordStore with the export members, as `exportRecords` and `writeCheckpoints` need it. */
export type ExportableRecordStore = RecordStore & Required<Pick<RecordStore, 'sessionIds' | 'pages'>>;
