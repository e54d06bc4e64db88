import type { KeyObject } from 'node:crypto';
import { ChainVerifier, type SeqLookahead } from './chain-verifier.js';
import type { ChainFailure, SeqHistory } from './check-link.js';
import { toPublicKey, type PublicKeyInput } from './key-id.js';
import type { OutcomeFinding } from './outcome-findings.js';
import { parseHashedRecord, type ParseHashedResult } from './parse-hashed-record.js';
import { CertificateVerifier, type CertificateVerification } from './verify-certificates.js';

export type { ChainFailure, ChainFailureReason } from './check-link.js';

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
  /** With `certificates`: each certificate line that certifies nothing (its index is its line in the certificates). */
  certificateFailures?: ChainFailure[];
  findings: OutcomeFinding[];
  sessions: SessionSummary[];
}

/** Each session's seqs seen so far and still to come, from the whole input: what the batch verifier adds to the streaming one. */
class WholeInput implements SeqLookahead {
  readonly #pending = new Map<string, Map<number, number>>();
  readonly #seen = new Map<string, Set<number>>();

  constructor(parsed: readonly ParseHashedResult[]) {
    for (const p of parsed) {
      if (!p.ok) continue;
      const m = this.#pending.get(p.record.sessionId) ?? new Map<number, number>();
      m.set(p.record.seq, (m.get(p.record.seq) ?? 0) + 1);
      this.#pending.set(p.record.sessionId, m);
    }
  }

  take(sessionId: string, seq: number): SeqHistory {
    const later = this.#pending.get(sessionId) ?? new Map<number, number>();
    const left = (later.get(seq) ?? 1) - 1;
    if (left === 0) later.delete(seq);
    else later.set(seq, left);
    const seen = this.#seen.get(sessionId) ?? new Set<number>();
    this.#seen.set(sessionId, seen);
    const wasSeen = seen.has(seq);
    seen.add(seq);
    return { seenBefore: (s) => (s === seq ? wasSeen : seen.has(s)), comesLater: (s) => later.has(s) };
  }
}

/**
 * Verifies records as stored or exported (canonical JSON strings, ordered by session then
 * seq; sessions may interleave): `ChainVerifier` over the whole input, with its signatures
 * checked inline and a lookahead that tells a reordered record from a removed one. For each
 * record, in order: shape, canonical bytes, hash, seq continuity from 1, `prevHash` link, key id
 * known, signature (reasons and messages: `checkLink`). Every session must start at seq 1. A
 * record cut from the *end* of a chain is invisible here: checkpoints catch that.
 *
 * `keys` maps key id → public key, as trusted by the caller; build it with `keyRing` from
 * key files so ids are computed, not believed. With `certificates` (the `system/keys` chain's
 * lines), records may also be signed by keys those certificates certify (`CertificateVerifier`):
 * a failing certificate makes `ok` false and is listed in `certificateFailures`.
 *
 * @example
 * const result = verifyChain(lines, keyRing([pem]));
 * if (!result.ok) console.error(`${result.failure?.sessionId}/${result.failure?.seq}: ${result.failure?.message}`);
 */
export function verifyChain(
  records: readonly string[],
  keys: ReadonlyMap<string, PublicKeyInput>,
  options: { maxFailures?: number; certificates?: readonly string[] } = {},
): ChainVerification {
  const keyObjects = new Map<string, KeyObject>();
  for (const [id, k] of keys) keyObjects.set(id, toPublicKey(k));
  let certified: CertificateVerification | undefined;
  if (options.certificates !== undefined) {
    const c = new CertificateVerifier(keyObjects);
    for (const line of options.certificates) c.push(line);
    certified = c.finish();
  }
  const parsed = records.map((line) => parseHashedRecord(line));
  const verifier = new ChainVerifier(keyObjects, {
    lookahead: new WholeInput(parsed),
    ...(options.maxFailures === undefined ? {} : { maxFailures: options.maxFailures }),
    ...(certified === undefined ? {} : { certificates: certified.certified }),
  });
  for (const p of parsed) verifier.pushParsed(p);
  const v = verifier.finishSync();
  return {
    ok: v.ok && (certified?.ok ?? true),
    records: v.records,
    failure: v.failure,
    failures: v.failures,
    ...(certified === undefined ? {} : { certificateFailures: certified.failures }),
    findings: v.findings,
    sessions: v.sessions.map((s) => ({ sessionId: s.sessionId, headSeq: s.headSeq, headHash: s.headHash, records: s.records, keyIds: s.keyIds })),
  };
}
