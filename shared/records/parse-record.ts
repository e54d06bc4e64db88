import { canonicalJson } from './canonical.js';
import { RECORD_TYPES, type SessionRecord } from './types.js';

export type ParseRecordResult =
  | { ok: true; record: SessionRecord }
  | { ok: false; reason: 'malformed' | 'not_canonical'; message: string; sessionId: string | null; seq: number | null };

const FIELDS = ['sessionId', 'seq', 'requestId', 'type', 'at', 'actor', 'body', 'prevHash', 'hash', 'sig'];
const SIG_FIELDS = ['keyId', 'alg', 'value'];
const HEX64 = /^[0-9a-f]{64}$/;
// toISOString() always has this form; anything else was not written by Airlock.
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ACTOR_KINDS = ['agent', 'approver', 'system'];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameKeys(o: Record<string, unknown>, keys: string[]): boolean {
  const got = Object.keys(o);
  return got.length === keys.length && keys.every((k) => Object.hasOwn(o, k));
}

/** Base64 that re-encodes to itself: lenient decoders would accept other spellings of one signature. */
function isStrictBase64(s: string): boolean {
  return s.length > 0 && Buffer.from(s, 'base64').toString('base64') === s;
}

/** Why a parsed value is not a well-formed record, or null when it is. */
export function shapeError(o: Record<string, unknown>): string | null {
  if (!sameKeys(o, FIELDS)) return `fields are [${Object.keys(o).join(', ')}], expected exactly [${FIELDS.join(', ')}]`;
  if (typeof o.sessionId !== 'string' || o.sessionId === '') return 'sessionId is not a non-empty string';
  if (typeof o.seq !== 'number' || !Number.isSafeInteger(o.seq) || o.seq < 1) return 'seq is not a positive integer';
  if (typeof o.requestId !== 'string' || o.requestId === '') return 'requestId is not a non-empty string';
  if (typeof o.type !== 'string' || !(RECORD_TYPES as readonly string[]).includes(o.type)) return `unknown type ${JSON.stringify(o.type)}`;
  if (typeof o.at !== 'string' || !ISO_MS.test(o.at) || Number.isNaN(Date.parse(o.at))) return 'at is not ISO 8601 UTC with milliseconds';
  if (!isPlainObject(o.actor) || !ACTOR_KINDS.includes(o.actor.kind as string)) return 'actor is not { kind: agent | approver | system, … }';
  if (!isPlainObject(o.body)) return 'body is not an object';
  if (typeof o.prevHash !== 'string' || !HEX64.test(o.prevHash)) return 'prevHash is not 64 lowercase hex chars';
  if (typeof o.hash !== 'string' || !HEX64.test(o.hash)) return 'hash is not 64 lowercase hex chars';
  const sig = o.sig;
  if (!isPlainObject(sig) || !sameKeys(sig, SIG_FIELDS)) return 'sig is not { keyId, alg, value }';
  if (typeof sig.keyId !== 'string' || !HEX64.test(sig.keyId)) return 'sig.keyId is not 64 lowercase hex chars';
  if (sig.alg !== 'ECDSA_SHA_256') return `sig.alg is ${JSON.stringify(sig.alg)}, expected "ECDSA_SHA_256"`;
  if (typeof sig.value !== 'string' || !isStrictBase64(sig.value)) return 'sig.value is not base64';
  return null;
}

/**
 * Parses one stored/exported record string, accepting it only when it has exactly the
 * ten fields of docs/interfaces.md and its bytes are already RFC 8785 canonical (so what
 * is verified is byte for byte what was stored).
 *
 * @example
 * const r = parseRecord(line);
 * if (!r.ok) console.log(r.reason, r.message);
 */
export function parseRecord(canonical: string): ParseRecordResult {
  let value: unknown;
  try {
    value = JSON.parse(canonical);
  } catch (e) {
    return { ok: false, reason: 'malformed', message: `not JSON: ${(e as Error).message}`, sessionId: null, seq: null };
  }
  if (!isPlainObject(value)) {
    return { ok: false, reason: 'malformed', message: 'not a JSON object', sessionId: null, seq: null };
  }
  const sessionId = typeof value.sessionId === 'string' ? value.sessionId : null;
  const seq = typeof value.seq === 'number' ? value.seq : null;
  const problem = shapeError(value);
  if (problem !== null) return { ok: false, reason: 'malformed', message: problem, sessionId, seq };
  let again: string;
  try {
    again = canonicalJson(value);
  } catch (e) {
    return { ok: false, reason: 'malformed', message: (e as Error).message, sessionId, seq };
  }
  if (again !== canonical) {
    return { ok: false, reason: 'not_canonical', message: 'bytes differ from the RFC 8785 canonical form of the record', sessionId, seq };
  }
  return { ok: true, record: value as unknown as SessionRecord };
}
