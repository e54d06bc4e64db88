import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { AirlockError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { RecordStore } from '../ports/record-store.js';
import type { Signer } from '../ports/signer.js';
import { MAX_CERTIFICATE_WINDOW_MS } from '../records/key-certificate.js';
import { keyIdOf } from '../records/key-id.js';
import type { KeyCertifiedBody } from '../records/record-body.js';
import { KEY_CHAIN_SESSION } from '../records/types.js';
import { appendRecord } from '../use-cases/append-record.js';

export interface CertifiedSignerOptions {
  /** The root key that certifies: `KmsSigner` in AWS, `LocalKeySigner` locally. Called once per key, never per record. */
  root: Signer;
  /** Where the certificates go: the `system/keys` chain of the records table. */
  records: RecordStore;
  clock: Clock;
  /** The function (process) name written in each certificate; decides which record types its keys may sign. */
  functionName: string;
  /** Certificate window (default and maximum: one hour). */
  lifetimeMs?: number;
  /** Start certifying the next key this long before the current window ends (default 10 minutes). */
  renewBeforeMs?: number;
  /** A key is never used with less than this left of its window (default 5 s): `ready()` waits for the next one instead. */
  minRemainingMs?: number;
}

interface Current {
  keyId: string;
  privateKey: KeyObject;
  notBefore: number;
  notAfter: number;
}

/**
 * A `Signer` whose records are signed in-process by an ephemeral P-256 key that the root key
 * certified: one root signature (one KMS `Sign` in AWS) per key per hour instead of one per
 * record. The key is generated in memory, certified by appending a `key.certified` record
 * (signed by the root) to the `system/keys` chain, used only inside the certificate's window,
 * replaced before that window ends, and never written anywhere.
 *
 * `ready()` resolves once a certified key with time left is in place; `appendRecord` awaits it
 * before stamping a record's `at`, so `at` always lies in the signing key's window. `sign()`
 * refuses (ERR_SIGNER_UNAVAILABLE) rather than sign outside the window. `keyId()` and
 * `publicKeyPem()` are the root's: that is the key an auditor trusts.
 *
 * @example
 * const signer = new CertifiedSigner({ root: kmsSigner, records, clock: systemClock, functionName: 'gateway' });
 * await signer.ready();  // one KMS Sign, one PutItem
 * await signer.sign(hashBytes);  // node:crypto, no network
 */
export class CertifiedSigner implements Signer {
  readonly #o: Required<Omit<CertifiedSignerOptions, 'root' | 'records' | 'clock' | 'functionName'>> & CertifiedSignerOptions;
  #current: Current | null = null;
  #renewing: Promise<void> | null = null;
  /** How many certificates this process wrote (for tests and the bench). */
  certificatesWritten = 0;

  constructor(options: CertifiedSignerOptions) {
    const lifetimeMs = Math.min(options.lifetimeMs ?? MAX_CERTIFICATE_WINDOW_MS, MAX_CERTIFICATE_WINDOW_MS);
    this.#o = { renewBeforeMs: Math.min(10 * 60_000, lifetimeMs / 4), minRemainingMs: Math.min(5_000, lifetimeMs / 10), ...options, lifetimeMs };
  }

  /** The root key that certifies this process's keys (what an auditor trusts). */
  get rootSigner(): Signer {
    return this.#o.root;
  }

  keyId(): Promise<string> {
    return this.#o.root.keyId();
  }

  publicKeyPem(): Promise<string> {
    return this.#o.root.publicKeyPem();
  }

  /** The ephemeral key in use now, or null before the first certificate (tests, `GET /v1/keys` could list it). */
  currentKeyId(): string | null {
    return this.#current?.keyId ?? null;
  }

  async ready(): Promise<void> {
    const now = this.#o.clock.now().getTime();
    const c = this.#current;
    if (c !== null && now >= c.notBefore && now < c.notAfter - this.#o.renewBeforeMs) return;
    const renewal = this.#renew();
    if (c === null || now >= c.notAfter - this.#o.minRemainingMs || now < c.notBefore) await renewal;
    else renewal.catch(() => undefined); // the old key still has time; a failed renewal is retried on the next call
  }

  async sign(message: Uint8Array): Promise<{ keyId: string; alg: 'ECDSA_SHA_256'; value: string }> {
    let c = this.#current;
    const now = this.#o.clock.now().getTime();
    if (c === null || now < c.notBefore || now > c.notAfter) {
      await this.ready();
      c = this.#current;
    }
    if (c === null || now > c.notAfter) throw new AirlockError('ERR_SIGNER_UNAVAILABLE', 'no certified signing key is valid now');
    const der = sign('sha256', message, { key: c.privateKey, dsaEncoding: 'der' });
    return { keyId: c.keyId, alg: 'ECDSA_SHA_256', value: der.toString('base64') };
  }

  #renew(): Promise<void> {
    this.#renewing ??= this.#certifyNewKey().finally(() => {
      this.#renewing = null;
    });
    return this.#renewing;
  }

  async #certifyNewKey(): Promise<void> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyId = keyIdOf(publicKey);
    const notBefore = this.#o.clock.now().getTime();
    const notAfter = notBefore + this.#o.lifetimeMs;
    const body: KeyCertifiedBody = {
      keyId,
      spki: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      certifiedBy: await this.#o.root.keyId(),
      notBefore: new Date(notBefore).toISOString(),
      notAfter: new Date(notAfter).toISOString(),
      function: this.#o.functionName,
    };
    // Signed by the root; its own chain, so it never contends with a session's records.
    await appendRecord(
      { records: this.#o.records, signer: this.#o.root, clock: this.#o.clock },
      { sessionId: KEY_CHAIN_SESSION, requestId: `key-${keyId.slice(0, 32)}`, actor: { kind: 'system' }, type: 'key.certified', body },
    );
    this.certificatesWritten += 1;
    this.#current = { keyId, privateKey, notBefore, notAfter };
  }
}
