import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import { shapeError, type ParseRecordResult } from './parse-record.js';
import type { SessionRecord } from './types.js';

export type ParseHashedResult = (ParseRecordResult & { ok: false }) | { ok: true; record: SessionRecord; /** SHA-256 of the content: what `hash` must be. */ contentHash: string };

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `parseRecord` plus the content hash, canonicalising the record once instead of twice: the
 * record's canonical JSON is its unsigned canonical JSON with `"hash"` and `"sig"` spliced in at
 * their sorted places (after `body`, and between `sessionId` and `type`), so comparing that
 * splice with the line proves the line canonical, and the unsigned part is what gets hashed.
 * The streaming verifier's hot path; results equal `parseRecord` + `recordHash`.
 *
 * @example
 * const p = parseHashedRecord(line);
 * if (p.ok && p.contentHash !== p.record.hash) console.log('hash mismatch');
 */
export function parseHashedRecord(line: string): ParseHashedResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return { ok: false, reason: 'malformed', message: `not JSON: ${(e as Error).message}`, sessionId: null, seq: null };
  }
  if (!isPlainObject(value)) return { ok: false, reason: 'malformed', message: 'not a JSON object', sessionId: null, seq: null };
  const sessionId = typeof value.sessionId === 'string' ? value.sessionId : null;
  const seq = typeof value.seq === 'number' ? value.seq : null;
  const problem = shapeError(value);
  if (problem !== null) return { ok: false, reason: 'malformed', message: problem, sessionId, seq };
  const r = value as unknown as SessionRecord;
  const fast = fastUnsigned(line, value, r);
  if (fast !== null) return { ok: true, record: r, contentHash: createHash('sha256').update(fast).digest('hex') };
  let unsigned: string;
  let full: string;
  try {
    unsigned = canonicalJson({ sessionId: r.sessionId, seq: r.seq, requestId: r.requestId, type: r.type, at: r.at, actor: r.actor, body: r.body, prevHash: r.prevHash });
    const middle = `"prevHash":${canonicalJson(r.prevHash)},"requestId":${canonicalJson(r.requestId)},"seq":${canonicalJson(r.seq)},"sessionId":${canonicalJson(r.sessionId)}`;
    const type = `"type":${canonicalJson(r.type)}}`;
    const tail = `${middle},${type}`;
    const head = unsigned.slice(0, unsigned.length - tail.length);
    // By construction the unsigned JSON ends with exactly `tail`; checked so a future field cannot slip in unnoticed.
    if (!unsigned.endsWith(tail)) throw new Error('unexpected canonical layout');
    full = `${head}"hash":${canonicalJson(r.hash)},${middle},"sig":${canonicalJson(r.sig)},${type}`;
  } catch (e) {
    return { ok: false, reason: 'malformed', message: (e as Error).message, sessionId, seq };
  }
  if (full !== line) return { ok: false, reason: 'not_canonical', message: 'bytes differ from the RFC 8785 canonical form of the record', sessionId, seq };
  return { ok: true, record: r, contentHash: createHash('sha256').update(unsigned).digest('hex') };
}

/** Member names in UTF-16 code-unit order at every level (what RFC 8785 requires). */
function sortedKeys(v: unknown): boolean {
  if (Array.isArray(v)) return v.every(sortedKeys);
  if (typeof v !== 'object' || v === null) return true;
  const keys = Object.keys(v);
  for (let i = 1; i < keys.length; i += 1) if ((keys[i - 1] as string) >= (keys[i] as string)) return false;
  return keys.every((k) => sortedKeys((v as Record<string, unknown>)[k]));
}

/**
 * The fast path for a line that is already canonical, which is every genuine record: JCS
 * serialises strings and numbers exactly as `JSON.stringify` does, so a line equal to
 * `JSON.stringify(JSON.parse(line))` whose members are sorted at every level is canonical; its
 * unsigned JSON is then the line with the `hash` and `sig` members cut out, no re-serialising of
 * the body. Returns null (use the full path) for anything else: escapes (`\u…`, where lone
 * surrogates hide), integer-like member names (which JS objects reorder), or any mismatch.
 */
function fastUnsigned(line: string, value: Record<string, unknown>, r: SessionRecord): string | null {
  if (line.includes('\\u') || JSON.stringify(value) !== line || !sortedKeys(value)) return null;
  const middle = `"prevHash":${JSON.stringify(r.prevHash)},"requestId":${JSON.stringify(r.requestId)},"seq":${JSON.stringify(r.seq)},"sessionId":${JSON.stringify(r.sessionId)}`;
  const type = `"type":${JSON.stringify(r.type)}}`;
  const suffix = `"hash":${JSON.stringify(r.hash)},${middle},"sig":${JSON.stringify(r.sig)},${type}`;
  if (!line.endsWith(suffix)) return null;
  return `${line.slice(0, line.length - suffix.length)}${middle},${type}`;
}
