import type { KeyObject } from 'node:crypto';
import { ChainVerifier } from './chain-verifier.js';
import type { ChainFailure } from './check-link.js';
import { readCertificate, type CertifiedKeys, type KeyCertificate } from './key-certificate.js';
import { parseHashedRecord } from './parse-hashed-record.js';
import { KEY_CHAIN_SESSION } from './types.js';

export interface CertificateVerification {
  ok: boolean;
  /** Certificates read (lines). */
  certificates: number;
  certified: CertifiedKeys;
  failures: ChainFailure[];
}

/**
 * Verifies the `system/keys` chain (an export's `certificates.jsonl`) with the trusted root keys
 * only, one line at a time: every line must pass the record chain rules (shape, canonical bytes,
 * hash, seq, link, a root key's signature) and be a valid certificate (`readCertificate`); a key
 * certified twice with different windows or functions certifies nothing. The result's `certified`
 * is what `ChainVerifier` then accepts besides the root keys.
 *
 * @example
 * const c = new CertificateVerifier(roots);
 * for await (const line of lines('certificates.jsonl')) c.push(line);
 * const { certified, failures } = c.finish();
 */
export class CertificateVerifier {
  readonly #chain: ChainVerifier;
  readonly #read = new Map<number, KeyCertificate>();
  readonly #bad: ChainFailure[] = [];
  readonly #named = new Set<string>();
  #index = 0;

  constructor(roots: ReadonlyMap<string, KeyObject>) {
    this.#chain = new ChainVerifier(roots, { maxFailures: Number.MAX_SAFE_INTEGER });
  }

  push(line: string): void {
    const index = this.#index;
    this.#index += 1;
    const p = parseHashedRecord(line);
    this.#chain.pushParsed(p);
    if (!p.ok) return;
    const r = p.record;
    const body = r.body as { keyId?: unknown };
    if (typeof body.keyId === 'string') this.#named.add(body.keyId);
    const c = readCertificate(r);
    if (typeof c === 'string') this.#bad.push({ index, sessionId: r.sessionId, seq: r.seq, reason: 'certificate_invalid', message: c });
    else this.#read.set(index, c);
  }

  finish(): CertificateVerification {
    const chain = this.#chain.finishSync();
    const failed = new Set(chain.failures.map((f) => f.index));
    for (const f of this.#bad) failed.add(f.index);
    const certified = new Map<string, KeyCertificate>();
    const conflicting = new Set<string>();
    const failures: ChainFailure[] = [...chain.failures, ...this.#bad];
    for (const [index, c] of this.#read) {
      if (failed.has(index)) continue;
      const before = certified.get(c.keyId);
      if (before === undefined) certified.set(c.keyId, c);
      else if (before.notBefore !== c.notBefore || before.notAfter !== c.notAfter || before.function !== c.function) {
        conflicting.add(c.keyId);
        failures.push({ index, sessionId: KEY_CHAIN_SESSION, seq: c.seq, reason: 'certificate_invalid', message: `key ${c.keyId} is certified again (seq ${before.seq} and ${c.seq}) with another window or function` });
      }
    }
    for (const id of conflicting) certified.delete(id);
    const rejected = new Set([...this.#named].filter((id) => !certified.has(id)));
    failures.sort((a, b) => a.index - b.index);
    return { ok: failures.length === 0, certificates: this.#index, certified: { certified, rejected }, failures };
  }
}
