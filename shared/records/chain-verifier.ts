import type { KeyObject } from 'node:crypto';
import type { OutcomeFinding } from './outcome-findings.js';
import { OutcomeTracker } from './outcome-tracker.js';
import { NO_CERTIFICATES, signingKeyProblem, type CertifiedKeys } from './key-certificate.js';
import { checkLink, signatureInvalid, type ChainFailure, type SeqHistory } from './check-link.js';
import { parseHashedRecord, type ParseHashedResult } from './parse-hashed-record.js';
import { InlineSignatureChecker, type SignatureChecker, type SignatureJob } from './signature-checker.js';
import { GENESIS_HASH } from './types.js';

/**
 * What a verifier holding the whole input knows beyond each session's head: called once per
 * parsed record, in input order, it returns what came before and what is still to come in that
 * record's session (see `SeqHistory`).
 */
export interface SeqLookahead {
  take(sessionId: string, seq: number): SeqHistory;
}

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
 * Every record goes through `checkLink`, the one set of failure reasons and messages; `verifyChain`
 * is this class over a whole input. Without `lookahead` a removed record and a reordered one both
 * show as a seq break at the first record after it (`seq_gap` / `seq_out_of_order` /
 * `seq_duplicate`); with it (as `verifyChain` passes) a reordered record is told from a removed one.
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
  readonly #lookahead: SeqLookahead | undefined;
  readonly #certificates: CertifiedKeys | undefined;
  readonly #states = new Map<string, State>();
  readonly #outcomes = new OutcomeTracker();
  readonly #failures: ChainFailure[] = [];
  #failed = 0;
  #index = 0;

  constructor(
    keys: ReadonlyMap<string, KeyObject>,
    options: {
      signatures?: SignatureChecker;
      watch?: ReadonlyMap<string, ReadonlySet<number>>;
      maxFailures?: number;
      lookahead?: SeqLookahead;
      /**
       * Keys certified by `keys` (from the `system/keys` chain, see `verifyCertificates`). When given, a
       * record may also be signed by a certified key, inside its window and for its function's types,
       * and a key that is neither fails as `uncertified_key`; without it, as `unknown_key`.
       */
      certificates?: CertifiedKeys;
    } = {},
  ) {
    this.#keys = keys;
    this.#certificates = options.certificates;
    this.#signatures = options.signatures ?? new InlineSignatureChecker(signingKeys(keys, options.certificates ?? NO_CERTIFICATES));
    this.#watch = options.watch ?? new Map();
    this.#maxFailures = options.maxFailures ?? 100;
    this.#lookahead = options.lookahead;
  }

  #fail(f: ChainFailure): void {
    this.#failed += 1;
    if (this.#failures.length < this.#maxFailures) this.#failures.push(f);
  }

  /** Checks one line (a record's canonical JSON, without the newline). */
  push(line: string): void {
    this.pushParsed(parseHashedRecord(line));
  }

  /** Checks one line already parsed with `parseHashedRecord` (for a caller that had to look at it first). */
  pushParsed(p: ParseHashedResult): void {
    const index = this.#index;
    this.#index += 1;
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
    const history = this.#lookahead?.take(r.sessionId, r.seq);
    const link = { seq: r.seq, prevHash: r.prevHash, hash: r.hash, contentHash: p.contentHash, keyId: r.sig.keyId };
    const certs = this.#certificates;
    const keyCheck = certs === undefined ? (id: string) => this.#keys.has(id) : (id: string) => signingKeyProblem(this.#keys, certs, id, r.at, r.type) ?? true;
    const problem = checkLink({ seq: s.headSeq, hash: s.headHash }, link, keyCheck, history);
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

  /** Backpressure from the signature checker: await it between pushes. */
  ready(): Promise<void> {
    return this.#signatures.ready();
  }

  async finish(): Promise<StreamVerification> {
    return this.#result(await this.#signatures.finish());
  }

  /**
   * `finish` without awaiting, for a verifier whose signatures are checked inline (the default):
   * what lets `verifyChain` stay synchronous. Throws with any other `SignatureChecker`.
   */
  finishSync(): StreamVerification {
    if (!(this.#signatures instanceof InlineSignatureChecker)) throw new Error('finishSync needs the inline signature checker');
    return this.#result(this.#signatures.failed());
  }

  #result(badSignatures: readonly SignatureJob[]): StreamVerification {
    for (const job of badSignatures) {
      this.#fail({ index: job.index, sessionId: job.sessionId, seq: job.seq, ...signatureInvalid(job.keyId) });
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

/** Every key a record may be signed with: the trusted (root) keys and the certified ones, by key id. */
export function signingKeys(roots: ReadonlyMap<string, KeyObject>, certs: CertifiedKeys): Map<string, KeyObject> {
  const all = new Map(roots);
  for (const [id, c] of certs.certified) if (!all.has(id)) all.set(id, c.key);
  return all;
}
