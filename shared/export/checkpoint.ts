import { createHash } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { AirlockError } from '../errors.js';
import type { Signer } from '../ports/signer.js';
import { canonicalJson } from '../records/canonical.js';
import type { Signature } from '../records/types.js';
import { verifyHashSignature } from '../records/verify-record.js';

/** A signed session head (docs/interfaces.md "Checkpoints"): the chain reached `seq` with `hash` at time `at`. */
export interface Checkpoint {
  sessionId: string;
  seq: number;
  hash: string;
  at: string;
  sig: Signature;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The 32 bytes a checkpoint's signature covers: SHA-256 of the RFC 8785 canonical JSON of
 * `{ sessionId, seq, hash, at }` — the same shape as a record's hash, so one verifier serves both.
 */
export function checkpointDigest(c: Pick<Checkpoint, 'sessionId' | 'seq' | 'hash' | 'at'>): Buffer {
  return createHash('sha256').update(canonicalJson({ sessionId: c.sessionId, seq: c.seq, hash: c.hash, at: c.at })).digest();
}

/**
 * Signs a session head with the record signer, returning the checkpoint and its canonical JSON.
 *
 * @example
 * const { checkpoint, canonical } = await signCheckpoint({ sessionId: 's1', seq: 4, hash, at: clock.now().toISOString() }, signer);
 */
export async function signCheckpoint(head: Omit<Checkpoint, 'sig'>, signer: Signer): Promise<{ checkpoint: Checkpoint; canonical: string }> {
  let sig: Signature;
  try {
    const s = await signer.sign(checkpointDigest(head));
    sig = { keyId: s.keyId, alg: s.alg, value: s.value };
  } catch (cause) {
    throw new AirlockError('ERR_SIGNER_UNAVAILABLE', 'the checkpoint signer failed', { cause });
  }
  const checkpoint: Checkpoint = { sessionId: head.sessionId, seq: head.seq, hash: head.hash, at: head.at, sig };
  return { checkpoint, canonical: canonicalJson(checkpoint) };
}

export type CheckpointCheck = { ok: true; checkpoint: Checkpoint } | { ok: false; message: string; sessionId: string | null; seq: number | null };

/**
 * Parses and verifies one checkpoint line: exact shape, canonical bytes, a trusted key, a valid signature.
 *
 * @example
 * const c = verifyCheckpoint(line, keyRing([pem]));
 * if (!c.ok) console.error(c.message);
 */
export function verifyCheckpoint(line: string, keys: ReadonlyMap<string, KeyObject>): CheckpointCheck {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { ok: false, message: 'checkpoint is not JSON', sessionId: null, seq: null };
  }
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const sessionId = typeof o.sessionId === 'string' ? o.sessionId : null;
  const seq = typeof o.seq === 'number' ? o.seq : null;
  const bad = (message: string): CheckpointCheck => ({ ok: false, message, sessionId, seq });
  const sig = o.sig as Record<string, unknown> | undefined;
  if (
    Object.keys(o).sort().join() !== 'at,hash,seq,sessionId,sig' ||
    sessionId === null ||
    seq === null ||
    !Number.isSafeInteger(seq) ||
    seq < 1 ||
    typeof o.hash !== 'string' ||
    !HEX64.test(o.hash) ||
    typeof o.at !== 'string' ||
    typeof sig !== 'object' ||
    sig === null ||
    typeof sig.keyId !== 'string' ||
    typeof sig.value !== 'string' ||
    sig.alg !== 'ECDSA_SHA_256'
  ) {
    return bad('checkpoint is not { sessionId, seq, hash, at, sig: { keyId, alg, value } }');
  }
  if (canonicalJson(o) !== line) return bad('checkpoint bytes are not canonical JSON');
  const key = keys.get(sig.keyId);
  if (key === undefined) return bad(`checkpoint signed by unknown key ${sig.keyId}`);
  const checkpoint = o as unknown as Checkpoint;
  if (!verifyHashSignature(checkpointDigest(checkpoint).toString('hex'), sig.value, key)) return bad(`checkpoint signature does not verify with key ${sig.keyId}`);
  return { ok: true, checkpoint };
}
