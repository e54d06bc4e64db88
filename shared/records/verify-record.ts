import { verify } from 'node:crypto';
import { toPublicKey, type PublicKeyInput } from './key-id.js';
import { hashMismatch, signatureInvalid } from './check-link.js';
import { recordHash } from './hash.js';
import type { SessionRecord } from './types.js';

export type RecordCheck =
  | { ok: true }
  | { ok: false; reason: 'hash_mismatch' | 'signature_invalid'; message: string };

/**
 * True when `sig` (base64 DER ECDSA P-256) signs the 32 raw bytes of `hash` with `publicKey`.
 * This is exactly how an auditor verifies, with nothing but node:crypto or openssl.
 */
export function verifyHashSignature(hash: string, sigValue: string, publicKey: PublicKeyInput): boolean {
  try {
    return verify(
      'sha256',
      Buffer.from(hash, 'hex'),
      { key: toPublicKey(publicKey), dsaEncoding: 'der' },
      Buffer.from(sigValue, 'base64'),
    );
  } catch {
    // OpenSSL throws on some malformed DER instead of returning false; both mean "not signed".
    return false;
  }
}

/**
 * Checks one record on its own: its `hash` is the hash of its content, and `sig`
 * verifies with `publicKey`. The caller chooses the key (see `verifyChain` for key-id
 * lookup); chain links and seq are `verifyChain`'s job.
 *
 * @example
 * const check = verifyRecord(record, await signer.publicKeyPem());
 * if (!check.ok) throw new Error(check.message);
 */
export function verifyRecord(record: SessionRecord, publicKey: PublicKeyInput): RecordCheck {
  const expected = recordHash(record);
  if (expected !== record.hash) {
    return { ok: false, reason: 'hash_mismatch', message: hashMismatch(record.hash, expected).message };
  }
  if (!verifyHashSignature(record.hash, record.sig.value, publicKey)) {
    return { ok: false, reason: 'signature_invalid', message: signatureInvalid(record.sig.keyId).message };
  }
  return { ok: true };
}
