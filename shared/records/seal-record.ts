import { AirlockError } from '../errors.js';
import type { Signer } from '../ports/signer.js';
import { canonicalJson } from './canonical.js';
import { sha256Hex, unsignedOf } from './hash.js';
import type { SessionRecord, UnsignedRecord } from './types.js';

/**
 * Hashes and signs an unsigned record, returning the record and its canonical JSON (the
 * exact string to store). The returned record is re-parsed from the canonical bytes, so
 * what the caller holds equals what is stored (e.g. `undefined` members are gone).
 *
 * Throws AirlockError 'ERR_SIGNER_UNAVAILABLE' when the signer fails, 'ERR_VALIDATION'
 * when the content cannot be canonicalised (NaN, lone surrogates…).
 *
 * @example
 * const { record, canonical } = await sealRecord(unsigned, signer);
 * await store.append(record, canonical);
 */
export async function sealRecord(unsigned: UnsignedRecord, signer: Signer): Promise<{ record: SessionRecord; canonical: string }> {
  const unsignedJson = canonicalJson(unsignedOf(unsigned));
  const hash = sha256Hex(unsignedJson);
  let sig: SessionRecord['sig'];
  try {
    const s = await signer.sign(Buffer.from(hash, 'hex'));
    sig = { keyId: s.keyId, alg: s.alg, value: s.value };
  } catch (cause) {
    if (cause instanceof AirlockError && cause.code === 'ERR_SIGNER_UNAVAILABLE') throw cause;
    throw new AirlockError('ERR_SIGNER_UNAVAILABLE', 'the record signer failed; nothing was written', { cause });
  }
  const record = { ...(JSON.parse(unsignedJson) as UnsignedRecord), hash, sig };
  return { record, canonical: canonicalJson(record) };
}
