import { AirlockError } from '../../errors.js';

/** The SNOWFLAKE_* variables, as they come from the validated environment or a Secrets Manager secret. */
export interface SnowflakeSettings {
  SNOWFLAKE_ACCOUNT?: string | undefined;
  SNOWFLAKE_USER?: string | undefined;
  SNOWFLAKE_PRIVATE_KEY?: string | undefined;
  SNOWFLAKE_PRIVATE_KEY_PATH?: string | undefined;
  SNOWFLAKE_PRIVATE_KEY_PASSPHRASE?: string | undefined;
  SNOWFLAKE_PASSWORD?: string | undefined;
  SNOWFLAKE_ROLE?: string | undefined;
  SNOWFLAKE_WAREHOUSE?: string | undefined;
  SNOWFLAKE_DATABASE?: string | undefined;
  SNOWFLAKE_SCHEMA?: string | undefined;
  SNOWFLAKE_ACCESS_URL?: string | undefined;
}

function configError(message: string): AirlockError {
  return new AirlockError('ERR_CONFIG', message);
}

/**
 * Checks the combination of SNOWFLAKE_* settings and names what is wrong. Returns nothing when
 * SNOWFLAKE_ACCOUNT is unset and no other SNOWFLAKE_* variable is either (DuckDB is used).
 *
 * @example
 * checkSnowflakeSettings({ SNOWFLAKE_ACCOUNT: 'acme' }); // throws ERR_CONFIG: SNOWFLAKE_USER is required …
 */
export function checkSnowflakeSettings(s: SnowflakeSettings): void {
  if (s.SNOWFLAKE_ACCOUNT === undefined) {
    const stray = Object.entries(s).find(([k, v]) => k.startsWith('SNOWFLAKE_') && v !== undefined);
    if (stray) throw configError(`${stray[0]} is set but SNOWFLAKE_ACCOUNT is not; set SNOWFLAKE_ACCOUNT to use Snowflake, or unset ${stray[0]}`);
    return;
  }
  if (s.SNOWFLAKE_USER === undefined) throw configError('SNOWFLAKE_USER is required when SNOWFLAKE_ACCOUNT is set');
  if (s.SNOWFLAKE_PRIVATE_KEY !== undefined && s.SNOWFLAKE_PRIVATE_KEY_PATH !== undefined) {
    throw configError('set SNOWFLAKE_PRIVATE_KEY or SNOWFLAKE_PRIVATE_KEY_PATH, not both');
  }
  const hasKey = s.SNOWFLAKE_PRIVATE_KEY !== undefined || s.SNOWFLAKE_PRIVATE_KEY_PATH !== undefined;
  if (hasKey && s.SNOWFLAKE_PASSWORD !== undefined) {
    throw configError('SNOWFLAKE_PASSWORD is only a fallback for when no private key is set; set the key or the password, not both');
  }
  if (!hasKey && s.SNOWFLAKE_PASSWORD === undefined) {
    throw configError('SNOWFLAKE_PRIVATE_KEY (PEM) or SNOWFLAKE_PRIVATE_KEY_PATH is required when SNOWFLAKE_ACCOUNT is set (SNOWFLAKE_PASSWORD only as an explicit fallback)');
  }
  if (!hasKey && s.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE !== undefined) {
    throw configError('SNOWFLAKE_PRIVATE_KEY_PASSPHRASE is set without SNOWFLAKE_PRIVATE_KEY or SNOWFLAKE_PRIVATE_KEY_PATH');
  }
  if (s.SNOWFLAKE_PRIVATE_KEY !== undefined && !/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(s.SNOWFLAKE_PRIVATE_KEY)) {
    throw configError('SNOWFLAKE_PRIVATE_KEY must be a PKCS#8 PEM (-----BEGIN PRIVATE KEY----- or -----BEGIN ENCRYPTED PRIVATE KEY-----)');
  }
}
