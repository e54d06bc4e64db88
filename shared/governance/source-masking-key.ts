import { hkdfSync } from 'node:crypto';

/** The HKDF `info` of the source key: bump the version to rotate without changing AIRLOCK_MASKING_KEY. */
export const SOURCE_KEY_INFO = 'airlock/snowflake-source-pseudonym/v1';

/**
 * The key of the pseudonym function inside Snowflake: HKDF-SHA256(AIRLOCK_MASKING_KEY bytes, info) → 32 bytes, hex.
 * One-way: whoever reads the secure function's body (its owner, an admin reading query history) learns this key,
 * never the gateway's, so gateway tokens in records stay unlinkable to values for them.
 *
 * @example sourceMaskingKeyHex(Buffer.from(env.AIRLOCK_MASKING_KEY, 'utf8')) // 64 hex chars
 */
export function sourceMaskingKeyHex(maskingKey: Uint8Array): string {
  return Buffer.from(hkdfSync('sha256', maskingKey, Buffer.alloc(0), SOURCE_KEY_INFO, 32)).toString('hex');
}
