import { createPublicKey, type KeyObject } from 'node:crypto';
import { rememberBounded } from '../bounded-cache.js';
import { sha256Hex } from './hash.js';

/** A public key as callers hold it: a KeyObject or an SPKI PEM string. */
export type PublicKeyInput = KeyObject | string;

/**
 * Public keys parsed from PEM text, by the exact text, and key ids by key. A verifier parses the
 * same few key files for every export, certificate and session it checks: parsing and hashing them
 * each time was most of the CPU of verifying a small export. KeyObjects are immutable; the text
 * cache keeps at most PEM_CACHE_SIZE entries (the oldest goes first).
 */
const PEM_CACHE_SIZE = 1024;
const parsedPem = new Map<string, KeyObject>();
const keyIds = new WeakMap<KeyObject, string>();

/** A public KeyObject from a PEM or KeyObject (a private KeyObject yields its public half). */
export function toPublicKey(key: PublicKeyInput): KeyObject {
  if (typeof key !== 'string') return key.type === 'public' ? key : createPublicKey(key);
  let pub = parsedPem.get(key);
  if (pub === undefined) {
    pub = createPublicKey(key);
    rememberBounded(parsedPem, key, pub, PEM_CACHE_SIZE);
  }
  return pub;
}

/**
 * `keyId` = lowercase hex SHA-256 of the public key's SPKI DER. KMS `GetPublicKey`
 * returns the same DER, so the id is identical for the KMS and the local key.
 *
 * @example
 * keyIdOf(fs.readFileSync('keys/abc.pem', 'utf8')); // '3f2a…' (64 hex chars)
 */
export function keyIdOf(publicKey: PublicKeyInput): string {
  const pub = toPublicKey(publicKey);
  let id = keyIds.get(pub);
  if (id === undefined) {
    id = sha256Hex(pub.export({ type: 'spki', format: 'der' }));
    keyIds.set(pub, id);
  }
  return id;
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
