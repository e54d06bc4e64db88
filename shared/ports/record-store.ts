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
  /** Every record of a session in seq order, as the stored canonical strings. */
  list(sessionId: string): Promise<string[]>;
}
