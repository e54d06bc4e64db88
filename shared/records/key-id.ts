import { createPublicKey, type KeyObject } from 'node:crypto';
import { sha256Hex } from './hash.js';

/** A public key as callers hold it: a KeyObject or an SPKI PEM string. */
export type PublicKeyInput = KeyObject | string;

/** A public KeyObject from a PEM or KeyObject (a private KeyObject yields its public half). */
export function toPublicKey(key: PublicKeyInput): KeyObject {
  if (typeof key === 'string') return createPublicKey(key);
  return key.type === 'public' ? key : createPublicKey(key);
}

/**
 * `keyId` = lowercase hex SHA-256 of the public key's SPKI DER. KMS `GetPublicKey`
 * returns the same DER, so the id is identical for the KMS and the local key.
 *
 * @example
 * keyIdOf(fs.readFileSync('keys/abc.pem', 'utf8')); // '3f2a…' (64 hex chars)
 */
export function keyIdOf(publicKey: PublicKeyInput): string {
  const der = toPublicKey(publicKey).export({ type: 'spki', format: 'der' });
  return sha256Hex(der);
}

/**
 * Builds the key map `verifyChain` takes from keys alone, computing each id, so a
 * mislabelled key file cannot vouch for a key id that is not its own.
 */
export function keyRing(keys: Iterable<PublicKeyInput>): Map<string, KeyObject> {
  const ring = new Map<string, KeyObject>();
  for (const k of keys) {
    const pub = toPublicKey(k);
    ring.set(keyIdOf(pub), pub);
  }
  return ring;
}
