import { AirlockError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { RecordStore } from '../ports/record-store.js';
import type { Signer } from '../ports/signer.js';
import type { TypedBody } from '../records/record-body.js';
import { sealRecord } from '../records/seal-record.js';
import { SessionQueue } from '../records/session-queue.js';
import { GENESIS_HASH, type Actor, type RecordType, type SessionRecord } from '../records/types.js';
import { rememberBounded } from '../bounded-cache.js';

export interface AppendRecordDeps {
  records: RecordStore;
  signer: Signer;
  clock: Clock;
  /** Per-session serialisation; defaults to one queue per `records` instance. */
  queue?: SessionQueue;
  /** Conditional-put attempts before giving up with ERR_CHAIN_CONFLICT (default 20). */
  maxAttempts?: number;
  /** Waits between attempts; injectable so tests need not sleep. */
  sleep?: (ms: number) => Promise<void>;
}

/** A record to append: its `body` typed by its `type` (docs/interfaces.md "body by type"). */
export type RecordDraft = {
  sessionId: string;
  requestId: string;
  actor: Actor;
} & TypedBody;

// One queue per store instance: an in-process stand-in for "one process", so two store
// instances over the same table behave like two processes (and tests can show that).
const queues = new WeakMap<RecordStore, SessionQueue>();

// The last head this process wrote, per session. Only a hint: a stale one loses the conditional
// put (ERR_CHAIN_CONFLICT) and is re-read, so it saves one read per append without risking forks.
const heads = new WeakMap<RecordStore, Map<string, { seq: number; hash: string }>>();
const MAX_CACHED_HEADS = 10_000;

function headCache(records: RecordStore): Map<string, { seq: number; hash: string }> {
  let m = heads.get(records);
  if (m === undefined) {
    m = new Map();
    heads.set(records, m);
  }
  return m;
}

function remember(cache: Map<string, { seq: number; hash: string }>, sessionId: string, head: { seq: number; hash: string }): void {
  rememberBounded(cache, sessionId, head, MAX_CACHED_HEADS);
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function queueFor(deps: AppendRecordDeps): SessionQueue {
  if (deps.queue !== undefined) return deps.queue;
  let q = queues.get(deps.records);
  if (q === undefined) {
    q = new SessionQueue();
    queues.set(deps.records, q);
  }
  return q;
}

/** Store errors that are not already domain errors become ERR_STORE_UNAVAILABLE. */
function asStoreError(cause: unknown): AirlockError {
  if (cause instanceof AirlockError) return cause;
  return new AirlockError('ERR_STORE_UNAVAILABLE', 'the record store failed', { cause });
}

/**
 * Appends the next record of a session: reads the head, builds seq = head.seq + 1 (1 and
 * 64 zeros for a new session), stamps `at`, hashes, signs, and writes with a conditional
 * put. Losing the slot to another writer (ERR_CHAIN_CONFLICT) re-reads the head and tries
 * again with jittered backoff, up to `maxAttempts`; then ERR_CHAIN_CONFLICT is thrown.
 *
 * Errors: ERR_SIGNER_UNAVAILABLE (nothing written), ERR_STORE_UNAVAILABLE,
 * ERR_ITEM_TOO_LARGE, ERR_VALIDATION (content JCS cannot represent), ERR_CHAIN_CONFLICT.
 * A store error on the put itself may hide a write that did land (a lost response): the
 * caller must treat the request's outcome as unknown, never re-run it blindly.
 *
 * @example
 * const { record } = await appendRecord({ records, signer, clock }, {
 *   sessionId, requestId, type: 'query.requested', actor: { kind: 'agent', sub }, body,
 * });
 * record.seq; // 1 for a new session
 */
export async function appendRecord(
  deps: AppendRecordDeps,
  draft: RecordDraft,
): Promise<{ record: SessionRecord; canonical: string }> {
  if (typeof draft.sessionId !== 'string' || draft.sessionId === '') {
    throw new AirlockError('ERR_BAD_ID', 'sessionId must be a non-empty string');
  }
  if (typeof draft.requestId !== 'string' || draft.requestId === '') {
    throw new AirlockError('ERR_BAD_ID', 'requestId must be a non-empty string');
  }
  return queueFor(deps).run(draft.sessionId, () => appendWithRetry(deps, draft));
}

async function appendWithRetry(
  deps: AppendRecordDeps,
  draft: RecordDraft,
): Promise<{ record: SessionRecord; canonical: string }> {
  const maxAttempts = deps.maxAttempts ?? 20;
  const sleep = deps.sleep ?? defaultSleep;
  const cache = headCache(deps.records);
  for (let attempt = 1; ; attempt += 1) {
    let head: { seq: number; hash: string } | null | undefined = attempt === 1 ? cache.get(draft.sessionId) : undefined;
    if (head === undefined) {
      try {
        head = await deps.records.head(draft.sessionId);
      } catch (cause) {
        throw asStoreError(cause);
      }
    }
    // A certified signer may need its (next) key certified first: before `at` is stamped, so it lies in the key's window.
    if (deps.signer.ready !== undefined) {
      try {
        await deps.signer.ready();
      } catch (cause) {
        if (cause instanceof AirlockError) throw cause;
        throw new AirlockError('ERR_SIGNER_UNAVAILABLE', 'the record signer has no certified key; nothing was written', { cause });
      }
    }
    const sealed = await sealRecord(
      {
        sessionId: draft.sessionId,
        seq: head === null ? 1 : head.seq + 1,
        requestId: draft.requestId,
        type: draft.type,
        at: deps.clock.now().toISOString(),
        actor: draft.actor,
        body: draft.body,
        prevHash: head === null ? GENESIS_HASH : head.hash,
      },
      deps.signer,
    );
    try {
      await deps.records.append(sealed.record, sealed.canonical);
      remember(cache, draft.sessionId, { seq: sealed.record.seq, hash: sealed.record.hash });
      return sealed;
    } catch (cause) {
      cache.delete(draft.sessionId);
      const err = asStoreError(cause);
      if (err.code !== 'ERR_CHAIN_CONFLICT') throw err;
      if (attempt >= maxAttempts) {
        throw new AirlockError('ERR_CHAIN_CONFLICT', `session ${draft.sessionId}: lost the next seq ${maxAttempts} times in a row`, {
          cause,
          details: { sessionId: draft.sessionId, attempts: attempt },
        });
      }
      // Full jitter, capped: desynchronises competing writers without long stalls.
      await sleep(Math.random() * Math.min(100, 2 * 2 ** attempt));
    }
  }
}
