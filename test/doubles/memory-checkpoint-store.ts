import { AirlockError } from '../../shared/errors.js';
import type { Checkpoint } from '../../shared/export/checkpoint.js';
import type { CheckpointStore } from '../../shared/ports/checkpoint-store.js';

/**
 * In-memory CheckpointStore for unit tests, with DynamoDbCheckpointStore's contract.
 *
 * @example
 * const checkpoints = new MemoryCheckpointStore();
 */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly #sessions = new Map<string, Map<number, string>>();

  async append(checkpoint: Checkpoint, canonical: string): Promise<void> {
    let slots = this.#sessions.get(checkpoint.sessionId);
    if (slots === undefined) {
      slots = new Map();
      this.#sessions.set(checkpoint.sessionId, slots);
    }
    const taken = slots.get(checkpoint.seq);
    if (taken === canonical) return;
    if (taken !== undefined) throw new AirlockError('ERR_CHAIN_CONFLICT', `checkpoint ${checkpoint.sessionId}/${checkpoint.seq} already exists`);
    slots.set(checkpoint.seq, canonical);
  }

  async latest(sessionId: string): Promise<string | null> {
    return (await this.list(sessionId)).at(-1) ?? null;
  }

  async list(sessionId: string): Promise<string[]> {
    const slots = this.#sessions.get(sessionId);
    return slots === undefined ? [] : [...slots].sort(([a], [b]) => a - b).map(([, c]) => c);
  }
}
