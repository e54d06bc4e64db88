import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import type { SessionRecord, UnsignedRecord } from './types.js';

/** Lowercase hex SHA-256 of a string's UTF-8 bytes (or of raw bytes). */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The eight hashed fields of a record, picked by name: whatever else an object carries
 * (`hash`, `sig`, a stray property) never enters the hash.
 */
export function unsignedOf(record: UnsignedRecord | SessionRecord): UnsignedRecord {
  const { sessionId, seq, requestId, type, at, actor, body, prevHash } = record;
  return { sessionId, seq, requestId, type, at, actor, body, prevHash };
}

/**
 * `hash` of a record: lowercase hex SHA-256 of the RFC 8785 canonical JSON of the
 * record without `hash` and `sig` (docs/interfaces.md "Records").
 *
 * @example
 * const hash = recordHash({ sessionId: 's1', seq: 1, requestId: 'r1', type: 'query.denied',
 *   at: '2026-01-01T00:00:00.000Z', actor: { kind: 'system' }, body: {}, prevHash: GENESIS_HASH });
 */
export function recordHash(unsigned: UnsignedRecord | SessionRecord): string {
  return sha256Hex(canonicalJson(unsignedOf(unsigned)));
}

/**
 * `sqlHash`: lowercase hex SHA-256 of the SQL text exactly as submitted (UTF-8), with
 * no trimming or normalisation — an approval is bound to these exact bytes.
 *
 * @example
 * sqlHash('select 1'); // 64 lowercase hex chars
 */
export function sqlHash(sql: string): string {
  return sha256Hex(sql);
}
