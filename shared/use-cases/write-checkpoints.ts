import { AirlockError } from '../errors.js';
import { signCheckpoint, type Checkpoint } from '../export/checkpoint.js';
import type { CheckpointStore } from '../ports/checkpoint-store.js';
import type { Clock } from '../ports/clock.js';
import type { ExportableRecordStore } from '../ports/record-store.js';
import type { Signer } from '../ports/signer.js';

export interface WriteCheckpointsDeps {
  records: Pick<ExportableRecordStore, 'head' | 'sessionIds'>;
  checkpoints: CheckpointStore;
  /** The record signer: a checkpoint vouches for a head the same key signed. */
  signer: Signer;
  clock: Clock;
}

export interface WriteCheckpointsInput {
  /** Only sessions with a record at or after this ISO time; omitted: every session. */
  since?: string;
  /** Exactly these sessions (at export); overrides `since`. */
  sessionIds?: readonly string[];
}

// Records carry their writer's clock; a record stamped a little before the previous run's
// start may commit after it, so each run looks back this far. Re-checking a session is one read.
export const CHECKPOINT_LOOKBACK_MS = 5 * 60_000;

/**
 * Signs the head (seq, hash) of every session changed since the last run whose head is past
 * its latest checkpoint, and appends it to the checkpoint store. Safe to run concurrently and
 * repeatedly: an identical or already-taken checkpoint slot is skipped.
 *
 * @example
 * const started = clock.now();
 * const { written } = await writeCheckpoints({ records, checkpoints, signer, clock }, { since: lastRun?.toISOString() });
 */
export async function writeCheckpoints(deps: WriteCheckpointsDeps, input: WriteCheckpointsInput = {}): Promise<{ checked: number; written: Checkpoint[] }> {
  const since = input.since === undefined ? undefined : new Date(Date.parse(input.since) - CHECKPOINT_LOOKBACK_MS).toISOString();
  const ids = input.sessionIds ?? (await deps.records.sessionIds(since === undefined ? {} : { from: since }));
  const written: Checkpoint[] = [];
  for (const sessionId of ids) {
    const head = await deps.records.head(sessionId);
    if (head === null) continue;
    const latest = await deps.checkpoints.latest(sessionId);
    if (latest !== null && (JSON.parse(latest) as Checkpoint).seq >= head.seq) continue;
    const { checkpoint, canonical } = await signCheckpoint({ sessionId, seq: head.seq, hash: head.hash, at: deps.clock.now().toISOString() }, deps.signer);
    try {
      await deps.checkpoints.append(checkpoint, canonical);
      written.push(checkpoint);
    } catch (e) {
      // Another writer checkpointed this head first (its `at` differs): the head is covered.
      if (!(e instanceof AirlockError && e.code === 'ERR_CHAIN_CONFLICT')) throw e;
    }
  }
  return { checked: ids.length, written };
}
