import type { Checkpoint } from '../export/checkpoint.js';

/**
 * Append-only storage of signed session heads (checkpoints), apart from the records, so a
 * record cut from the end of a chain still disagrees with a signed head. Stored as canonical
 * JSON and returned byte for byte.
 *
 * @example
 * await checkpoints.append(checkpoint, canonical); // conditional on (sessionId, seq) being free
 * const last = await checkpoints.latest('s1');      // canonical JSON | null
 */
export interface CheckpointStore {
  /**
   * Writes one checkpoint if none exists for (sessionId, seq). Identical bytes already there
   * count as success (a retried write); a different checkpoint there throws 'ERR_CHAIN_CONFLICT'.
   * 'ERR_STORE_UNAVAILABLE' when the store cannot be reached.
   */
  append(checkpoint: Checkpoint, canonical: string): Promise<void>;
  /** The checkpoint with the highest seq for a session, or null. */
  latest(sessionId: string): Promise<string | null>;
  /** Every checkpoint of a session in seq order. */
  list(sessionId: string): Promise<string[]>;
}
