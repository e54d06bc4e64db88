import type { KeyObject } from 'node:crypto';
import { verifyHashSignature } from './verify-record.js';

/** One signature to check: `sig` (base64 DER) over the 32 raw bytes of `hash`, by key `keyId`. */
export interface SignatureJob {
  index: number;
  sessionId: string;
  seq: number;
  hash: string;
  sig: string;
  keyId: string;
}

/**
 * Where a streaming verifier sends signature checks, so they can run beside it (e.g. on
 * worker threads) while it hashes the next records.
 *
 * @example
 * checker.check(job); await checker.ready(); … const bad = await checker.finish();
 */
export interface SignatureChecker {
  check(job: SignatureJob): void;
  /** Resolves once the backlog is small enough to queue more (backpressure keeps memory flat). */
  ready(): Promise<void>;
  /** Waits for every queued check; the jobs whose signature failed. */
  finish(): Promise<SignatureJob[]>;
}

/**
 * Checks each signature at once on the calling thread.
 *
 * @example
 * const v = new ChainVerifier(keys, { signatures: new InlineSignatureChecker(keys) });
 */
export class InlineSignatureChecker implements SignatureChecker {
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #failed: SignatureJob[] = [];

  constructor(keys: ReadonlyMap<string, KeyObject>) {
    this.#keys = keys;
  }

  check(job: SignatureJob): void {
    const key = this.#keys.get(job.keyId);
    if (key === undefined || !verifyHashSignature(job.hash, job.sig, key)) this.#failed.push(job);
  }

  async ready(): Promise<void> {}

  async finish(): Promise<SignatureJob[]> {
    return this.#failed;
  }

  /** The jobs whose signature failed so far: all of them, since each is checked in `check`. */
  failed(): SignatureJob[] {
    return this.#failed;
  }
}
