import { readFileSync } from 'node:fs';
import { AirlockError } from '../../errors.js';
import { checkSnowflakeSettings, type SnowflakeSettings } from './snowflake-settings.js';

export type { SnowflakeSettings } from './snowflake-settings.js';

/**
 * Everything needed to open a Snowflake session. Key-pair auth is the default; a password
 * is used only when no key is given (the explicit fallback).
 */
export interface SnowflakeConfig {
  account: string;
  user: string;
  auth: { kind: 'key-pair'; privateKeyPem: string; passphrase?: string } | { kind: 'password'; password: string };
  role?: string;
  warehouse?: string;
  database?: string;
  schema?: string;
  /** e.g. a private-link URL, or a local wire server in tests. */
  accessUrl?: string;
}

/**
 * Settings → a SnowflakeConfig, reading the key file when a path is given. Returns null when
 * SNOWFLAKE_ACCOUNT is unset.
 *
 * @example
 * const config = snowflakeConfigOf(env); // null → use DuckDB
 */
export function snowflakeConfigOf(s: SnowflakeSettings, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): SnowflakeConfig | null {
  checkSnowflakeSettings(s);
  if (s.SNOWFLAKE_ACCOUNT === undefined || s.SNOWFLAKE_USER === undefined) return null;
  let auth: SnowflakeConfig['auth'];
  if (s.SNOWFLAKE_PASSWORD !== undefined) {
    auth = { kind: 'password', password: s.SNOWFLAKE_PASSWORD };
  } else {
    let pem = s.SNOWFLAKE_PRIVATE_KEY;
    if (pem === undefined) {
      try {
        pem = readFile(s.SNOWFLAKE_PRIVATE_KEY_PATH as string);
      } catch (e) {
        throw new AirlockError('ERR_CONFIG', `SNOWFLAKE_PRIVATE_KEY_PATH: cannot read the key file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    // PEMs pasted into one-line env vars or secrets often carry literal "\n".
    pem = pem.replace(/\\n/g, '\n');
    auth = { kind: 'key-pair', privateKeyPem: pem, ...(s.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE === undefined ? {} : { passphrase: s.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE }) };
  }
  const config: SnowflakeConfig = { account: s.SNOWFLAKE_ACCOUNT, user: s.SNOWFLAKE_USER, auth };
  if (s.SNOWFLAKE_ROLE !== undefined) config.role = s.SNOWFLAKE_ROLE;
  if (s.SNOWFLAKE_WAREHOUSE !== undefined) config.warehouse = s.SNOWFLAKE_WAREHOUSE;
  if (s.SNOWFLAKE_DATABASE !== undefined) config.database = s.SNOWFLAKE_DATABASE;
  if (s.SNOWFLAKE_SCHEMA !== undefined) config.schema = s.SNOWFLAKE_SCHEMA;
  if (s.SNOWFLAKE_ACCESS_URL !== undefined) config.accessUrl = s.SNOWFLAKE_ACCESS_URL;
  return config;
}

/**
 * The strings that must never appear in an error or log: the credentials, and the hosts
 * Airlock talks to (account host, access URL).
 */
export function secretsOf(config: SnowflakeConfig): string[] {
  const out = [config.auth.kind === 'password' ? config.auth.password : config.auth.privateKeyPem];
  if (config.auth.kind === 'key-pair' && config.auth.passphrase !== undefined) out.push(config.auth.passphrase);
  if (config.accessUrl !== undefined) {
    try {
      const u = new URL(config.accessUrl);
      out.push(config.accessUrl, u.host, u.hostname);
    } catch {
      out.push(config.accessUrl);
    }
  }
  out.push(`${config.account}.snowflakecomputing.com`);
  return out.filter((s) => s.length >= 4);
}
