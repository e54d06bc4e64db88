import { AirlockError } from '../errors.js';
import type { Signer } from '../ports/signer.js';
import { canonicalJson } from './canonical.js';
import { sha256Hex, unsignedOf } from './hash.js';
import type { SessionRecord, UnsignedRecord } from './types.js';

/**
 * Records this process sealed, each with the canonical JSON it was sealed as. A sealed record is
 * deeply frozen, so the pair cannot drift apart after sealing: `checkRecordWrite` takes a pair found
 * here as checked instead of canonicalising the record a second time.
 */
const SEALED = new WeakMap<object, string>();

/** Whether `record` came out of `sealRecord` in this process with exactly this `canonical` string. */
export function isSealedAs(record: SessionRecord, canonical: string): boolean {
  return SEALED.get(record) === canonical;
}

/**
 * Hashes and signs an unsigned record, returning the record and its canonical JSON (the
 * exact string to store). The returned record is re-parsed from the canonical bytes, so
 * what the caller holds equals what is stored (e.g. `undefined` members are gone), and it is
 * deeply frozen.
 *
 * Each top-level member is canonicalised once (RFC 8785): the hashed text (without `hash` and
 * `sig`) and the stored text are both those members in key order, which is what canonicalising
 * each whole object gives, since a member's canonical text is the same wherever it sits. The
 * canonical bytes of a record with a 20-row answer took three passes of the library before.
 *
 * Throws AirlockError 'ERR_SIGNER_UNAVAILABLE' when the signer fails, 'ERR_VALIDATION'
 * when the content cannot be canonicalised (NaN, lone surrogates…).
 *
 * @example
 * const { record, canonical } = await sealRecord(unsigned, signer);
 * await store.append(record, canonical);
 */
export async function sealRecord(unsigned: UnsignedRecord, signer: Signer): Promise<{ record: SessionRecord; canonical: string }> {
  const members = new Map<string, string>();
  for (const [key, value] of Object.entries(unsignedOf(unsigned))) {
    // As canonicalize skips them in an object.
    if (value === undefined || typeof value === 'symbol') continue;
    members.set(key, canonicalJson(value));
  }
  const unsignedJson = objectOf(members);
  const hash = sha256Hex(unsignedJson);
  let sig: SessionRecord['sig'];
  try {
    const s = await signer.sign(Buffer.from(hash, 'hex'));
    sig = { keyId: s.keyId, alg: s.alg, value: s.value };
  } catch (cause) {
    if (cause instanceof AirlockError && cause.code === 'ERR_SIGNER_UNAVAILABLE') throw cause;
    throw new AirlockError('ERR_SIGNER_UNAVAILABLE', 'the record signer failed; nothing was written', { cause });
  }
  members.set('hash', canonicalJson(hash));
  members.set('sig', canonicalJson(sig));
  const canonical = objectOf(members);
  const record = deepFreeze(JSON.parse(canonical) as SessionRecord);
  SEALED.set(record, canonical);
  return { record, canonical };
}

/** `{"k1":v1,"k2":v2}` with the keys in canonicalize's order (`Array.prototype.sort`: UTF-16 code units). */
function objectOf(members: Map<string, string>): string {
  return `{${[...members.keys()]
    .sort()
    .map((k) => `${canonicalJson(k)}:${members.get(k)!}`)
    .join(',')}}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
