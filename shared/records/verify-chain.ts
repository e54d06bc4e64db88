import type { KeyObject } from 'node:crypto';
import { recordHash } from './hash.js';
import { toPublicKey, type PublicKeyInput } from './key-id.js';
import { findOutcomeFindings, type OutcomeFinding } from './outcome-findings.js';
import { parseRecord } from './parse-record.js';
import { GENESIS_HASH, type SessionRecord } from './types.js';
import { verifyHashSignature } from './verify-record.js';

export type ChainFailureReason =
  | 'malformed' // not JSON, or not exactly the ten-field record shape
  | 'not_canonical' // bytes differ from the canonical form of what they parse to
  | 'hash_mismatch' // content does not hash to `hash`
  | 'seq_gap' // a seq is missing (e.g. a record was removed)
  | 'seq_duplicate' // a seq appears twice
  | 'seq_out_of_order' // the seq exists in the input, but not at this position
  | 'prev_hash_mismatch' // `prevHash` is not the previous record's `hash` (64 zeros for seq 1)
  | 'unknown_key' // signed by a key id not among the trusted keys
  | 'signature_invalid'; // `sig` does not verify with the key of its key id

export interface ChainFailure {
  /** 0-based position in the input (the JSONL line number minus one). */
  index: number;
  sessionId: string | null;
  seq: number | null;
  reason: ChainFailureReason;
  message: string;
}

export interface SessionSummary {
  sessionId: string;
  /** The last record's seq and hash, as seen in the input. */
  headSeq: number;
  headHash: string;
  records: number;
  keyIds: string[];
}

export interface ChainVerification {
  /** True when no record failed. Findings do not make it false. */
  ok: boolean;
  records: number;
  /** The first failing record in input order, or null. */
  failure: ChainFailure | null;
  /** Every failing record (each counted once, for its first problem), capped by `maxFailures`. */
  failures: ChainFailure[];
  findings: OutcomeFinding[];
  sessions: SessionSummary[];
}

interface SessionState {
  lastSeq: number;
  lastHash: string;
  seen: Set<number>;
  records: number;
  keyIds: Set<string>;
}

function seqProblem(seq: number, state: SessionState, later: ReadonlyMap<number, number>): { reason: ChainFailureReason; message: string } | null {
  const expected = state.lastSeq + 1;
  if (seq === expected) return null;
  if (state.seen.has(seq)) return { reason: 'seq_duplicate', message: `seq ${seq} appears again` };
  if (seq > expected && !later.has(expected)) {
    return { reason: 'seq_gap', message: `expected seq ${expected}, found ${seq}: seq ${expected} is missing` };
  }
  return { reason: 'seq_out_of_order', message: `expected seq ${expected}, found ${seq}` };
}

/**
 * Verifies records as stored or exported (canonical JSON strings, ordered by session then
 * seq; sessions may interleave). For each record, in order: shape, canonical bytes, hash,
 * seq continuity from 1, `prevHash` link, key id known, signature. Every session must start
 * at seq 1. A record cut from the *end* of a chain is invisible here: checkpoints catch that.
 *
 * `keys` maps key id → public key, as trusted by the caller; build it with `keyRing` from
 * key files so ids are computed, not believed.
 *
 * @example
 * const result = verifyChain(lines, keyRing([pem]));
 * if (!result.ok) console.error(`${result.failure?.sessionId}/${result.failure?.seq}: ${result.failure?.message}`);
 */
export function verifyChain(
  records: readonly string[],
  keys: ReadonlyMap<string, PublicKeyInput>,
  options: { maxFailures?: number } = {},
): ChainVerification {
  const maxFailures = options.maxFailures ?? 100;
  const keyObjects = new Map<string, KeyObject>();
  for (const [id, k] of keys) keyObjects.set(id, toPublicKey(k));

  const parsed = records.map((line) => parseRecord(line));
  // Seqs still to come per session, to tell "missing" from "elsewhere in the file".
  const pending = new Map<string, Map<number, number>>();
  for (const p of parsed) {
    if (!p.ok) continue;
    const m = pending.get(p.record.sessionId) ?? new Map<number, number>();
    m.set(p.record.seq, (m.get(p.record.seq) ?? 0) + 1);
    pending.set(p.record.sessionId, m);
  }

  const states = new Map<string, SessionState>();
  const failures: ChainFailure[] = [];
  let failed = 0;
  const good: SessionRecord[] = [];
  const fail = (f: ChainFailure): void => {
    failed += 1;
    if (failures.length < maxFailures) failures.push(f);
  };

  parsed.forEach((p, index) => {
    if (!p.ok) {
      fail({ index, sessionId: p.sessionId, seq: p.seq, reason: p.reason, message: p.message });
      return;
    }
    const r = p.record;
    const later = pending.get(r.sessionId) ?? new Map<number, number>();
    const left = (later.get(r.seq) ?? 1) - 1;
    if (left === 0) later.delete(r.seq);
    else later.set(r.seq, left);
    let state = states.get(r.sessionId);
    if (state === undefined) {
      state = { lastSeq: 0, lastHash: GENESIS_HASH, seen: new Set(), records: 0, keyIds: new Set() };
      states.set(r.sessionId, state);
    }
    const at = { index, sessionId: r.sessionId, seq: r.seq };
    const problem = check(r, state, later, keyObjects);
    // Continue from this record either way, so one bad record yields one failure, not a cascade.
    state.lastSeq = r.seq;
    state.lastHash = r.hash;
    state.seen.add(r.seq);
    state.records += 1;
    state.keyIds.add(r.sig.keyId);
    if (problem !== null) fail({ ...at, ...problem });
    else good.push(r);
  });

  const sessions: SessionSummary[] = [...states].map(([sessionId, s]) => ({
    sessionId,
    headSeq: s.lastSeq,
    headHash: s.lastHash,
    records: s.records,
    keyIds: [...s.keyIds],
  }));
  return {
    ok: failed === 0,
    records: records.length,
    failure: failures[0] ?? null,
    failures,
    findings: findOutcomeFindings(good),
    sessions,
  };
}

function check(
  r: SessionRecord,
  state: SessionState,
  later: ReadonlyMap<number, number>,
  keys: Map<string, KeyObject>,
): { reason: ChainFailureReason; message: string } | null {
  const expected = recordHash(r);
  if (expected !== r.hash) return { reason: 'hash_mismatch', message: `hash is ${r.hash}, content hashes to ${expected}` };
  const seq = seqProblem(r.seq, state, later);
  if (seq !== null) return seq;
  if (r.prevHash !== state.lastHash) {
    const what = r.seq === 1 ? 'the genesis hash (64 zeros)' : `the hash of seq ${state.lastSeq} (${state.lastHash})`;
    return { reason: 'prev_hash_mismatch', message: `prevHash ${r.prevHash} is not ${what}` };
  }
  const key = keys.get(r.sig.keyId);
  if (key === undefined) return { reason: 'unknown_key', message: `signed by unknown key ${r.sig.keyId}` };
  if (!verifyHashSignature(r.hash, r.sig.value, key)) {
    return { reason: 'signature_invalid', message: `signature does not verify with key ${r.sig.keyId}` };
  }
  return null;
}
