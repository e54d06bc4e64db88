import type { KeyObject } from 'node:crypto';
import type { OutcomeFinding } from './outcome-findings.js';
import { OutcomeTracker } from './outcome-tracker.js';
import { parseHashedRecord } from './parse-hashed-record.js';
import { InlineSignatureChecker, type SignatureChecker } from './signature-checker.js';
import { GENESIS_HASH } from './types.js';
import type { ChainFailure, ChainFailureReason } from './verify-chain.js';

export interface StreamSessionSummary {
  sessionId: string;
  firstSeq: number;
  headSeq: number;
  headHash: string;
  records: number;
  keyIds: string[];
  /** Hashes at the seqs the caller asked to watch (e.g. checkpoint seqs). */
  watched: Map<number, string>;
}

export interface StreamVerification {
  ok: boolean;
  records: number;
  /** The first failing record in input order, or null. */
  failure: ChainFailure | null;
  failures: ChainFailure[];
  findings: OutcomeFinding[];
  sessions: StreamSessionSummary[];
}

interface State {
  summary: StreamSessionSummary;
  watch: ReadonlySet<number> | undefined;
}

/**
 * `verifyChain` for input of any length, one line at a time, in memory proportional to the
 * number of sessions, not records: it keeps each session's last seq and hash, never the
 * records. Signature checks go to a `SignatureChecker` (inline by default, worker threads
 * in `airlock verify`), so hashing and ECDSA run on separate cores.
 *
 * Without lookahead a removed record and a reordered one both show as a seq break at the
 * first record after it (`seq_gap` / `seq_out_of_order` / `seq_duplicate`).
 *
 * @example
 * const v = new ChainVerifier(keyRing([pem]));
 * for await (const line of lines) { v.push(line); await v.ready(); }
 * const result = await v.finish();
 */
export class ChainVerifier {
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #signatures: SignatureChecker;
  readonly #watch: ReadonlyMap<string, ReadonlySet<number>>;
  readonly #maxFailures: number;
  readonly #states = new Map<string, State>();
  readonly #outcomes = new OutcomeTracker();
  readonly #failures: ChainFailure[] = [];
  #failed = 0;
  #index = 0;

  constructor(
    keys: ReadonlyMap<string, KeyObject>,
    options: { signatures?: SignatureChecker; watch?: ReadonlyMap<string, ReadonlySet<number>>; maxFailures?: number } = {},
  ) {
    this.#keys = keys;
    this.#signatures = options.signatures ?? new InlineSignatureChecker(keys);
    this.#watch = options.watch ?? new Map();
    this.#maxFailures = options.maxFailures ?? 100;
  }

  #fail(f: ChainFailure): void {
    this.#failed += 1;
    if (this.#failures.length < this.#maxFailures) this.#failures.push(f);
  }

  /** Checks one line (a record's canonical JSON, without the newline). */
  push(line: string): void {
    const index = this.#index;
    this.#index += 1;
    const p = parseHashedRecord(line);
    if (!p.ok) {
      this.#fail({ index, sessionId: p.sessionId, seq: p.seq, reason: p.reason, message: p.message });
      return;
    }
    const r = p.record;
    let state = this.#states.get(r.sessionId);
    if (state === undefined) {
      const summary = { sessionId: r.sessionId, firstSeq: r.seq, headSeq: 0, headHash: GENESIS_HASH, records: 0, keyIds: [], watched: new Map() };
      state = { summary, watch: this.#watch.get(r.sessionId) };
      this.#states.set(r.sessionId, state);
    }
    const s = state.summary;
    const problem = this.#check(r.seq, r.prevHash, r.hash, p.contentHash, s, r.sig.keyId);
    // Continue from this record either way, so one bad record yields one failure, not a cascade.
    s.headSeq = r.seq;
    s.headHash = r.hash;
    s.records += 1;
    if (!s.keyIds.includes(r.sig.keyId)) s.keyIds.push(r.sig.keyId);
    if (state.watch?.has(r.seq) === true) s.watched.set(r.seq, r.hash);
    if (problem !== null) {
      this.#fail({ index, sessionId: r.sessionId, seq: r.seq, ...problem });
      return;
    }
    this.#signatures.check({ index, sessionId: r.sessionId, seq: r.seq, hash: r.hash, sig: r.sig.value, keyId: r.sig.keyId });
    this.#outcomes.push(r);
  }

  #check(seq: number, prevHash: string, hash: string, expected: string, s: StreamSessionSummary, keyId: string): { reason: ChainFailureReason; message: string } | null {
    if (expected !== hash) return { reason: 'hash_mismatch', message: `hash is ${hash}, content hashes to ${expected}` };
    const next = s.headSeq + 1;
    if (seq !== next) {
      if (seq === s.headSeq) return { reason: 'seq_duplicate', message: `seq ${seq} appears again` };
      if (seq < next) return { reason: 'seq_out_of_order', message: `seq ${seq} comes after seq ${s.headSeq}` };
      return { reason: 'seq_gap', message: `expected seq ${next}, found ${seq}: seq ${next} is missing here` };
    }
    if (prevHash !== s.headHash) {
      const what = seq === 1 ? 'the genesis hash (64 zeros)' : `the hash of seq ${s.headSeq} (${s.headHash})`;
      return { reason: 'prev_hash_mismatch', message: `prevHash ${prevHash} is not ${what}` };
    }
    if (!this.#keys.has(keyId)) return { reason: 'unknown_key', message: `signed by unknown key ${keyId}` };
    return null;
  }

  /** Backpressure from the signature checker: await it between pushes. */
  ready(): Promise<void> {
    return this.#signatures.ready();
  }

  async finish(): Promise<StreamVerification> {
    for (const job of await this.#signatures.finish()) {
      this.#fail({ index: job.index, sessionId: job.sessionId, seq: job.seq, reason: 'signature_invalid', message: `signature does not verify with key ${job.keyId}` });
    }
    this.#failures.sort((a, b) => a.index - b.index);
    const findings = [...this.#states.keys()].flatMap((id) => this.#outcomes.closeSession(id));
    return {
      ok: this.#failed === 0,
      records: this.#index,
      failure: this.#failures[0] ?? null,
      failures: this.#failures,
      findings,
      sessions: [...this.#states.values()].map((s) => s.summary),
    };
  }
}
