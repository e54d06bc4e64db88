import { readFileSync } from 'node:fs';
import { toPublicKey } from '#shared/records/key-id.js';
import { UsageError } from './io.js';

/**
 * `--trusted-keys FILE`: either the JSON of `GET /v1/keys` (`{ keys: [{ pem, use }] }`, uses kept)
 * or one or more PEM public keys, concatenated (trusted for records and exports alike).
 */
export function readTrustedKeys(path: string): Array<{ pem: string; use?: 'records' | 'exports' }> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--trusted-keys ${path}: ${(e as Error).message}`);
  }
  let keys: Array<{ pem: string; use?: 'records' | 'exports' }>;
  if (text.trimStart().startsWith('{')) {
    let json: { keys?: Array<{ pem?: unknown; use?: unknown }> };
    try {
      json = JSON.parse(text) as typeof json;
    } catch (e) {
      throw new UsageError(`--trusted-keys ${path}: not JSON: ${(e as Error).message}`);
    }
    keys = (json.keys ?? []).map((k) => ({
      pem: String(k.pem),
      ...(k.use === 'records' || k.use === 'exports' ? { use: k.use } : {}),
    }));
  } else {
    keys = (text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? []).map((pem) => ({ pem }));
  }
  if (keys.length === 0) throw new UsageError(`--trusted-keys ${path} holds no public key (PEM, or the JSON of GET /v1/keys)`);
  for (const k of keys) {
    try {
      toPublicKey(k.pem);
    } catch {
      throw new UsageError(`--trusted-keys ${path}: a key is not a valid public key PEM`);
    }
  }
  return keys;
}
