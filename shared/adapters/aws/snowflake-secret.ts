import { z } from 'zod';
import { AirlockError } from '../../errors.js';
import { snowflakeConfigOf, type SnowflakeConfig } from '../snowflake/snowflake-config.js';
import type { SecretsManagerSecret } from './secrets-manager-secret.js';

/**
 * The Snowflake secret's JSON shape: the same `SNOWFLAKE_*` names as the local environment
 * (docs/interfaces.md "Configuration"), without the key path (a Lambda has no key file):
 * `{ "SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_PRIVATE_KEY", "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"?, "SNOWFLAKE_ROLE"?, … }`.
 */
export const SnowflakeSecretSchema = z.strictObject({
  SNOWFLAKE_ACCOUNT: z.string().min(1),
  SNOWFLAKE_USER: z.string().min(1),
  SNOWFLAKE_PRIVATE_KEY: z.string().min(1).optional(),
  SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: z.string().min(1).optional(),
  SNOWFLAKE_PASSWORD: z.string().min(1).optional(),
  SNOWFLAKE_ROLE: z.string().min(1).optional(),
  SNOWFLAKE_WAREHOUSE: z.string().min(1).optional(),
  SNOWFLAKE_DATABASE: z.string().min(1).optional(),
  SNOWFLAKE_SCHEMA: z.string().min(1).optional(),
  SNOWFLAKE_ACCESS_URL: z.url().optional(),
});

const loaded = new WeakMap<SecretsManagerSecret, Promise<SnowflakeConfig>>();

/**
 * Snowflake credentials from Secrets Manager → a validated SnowflakeConfig, once per secret
 * object (keep one per container: a warm Lambda never fetches again). A failed load is not
 * cached; errors name the bad field, never a value.
 *
 * @example
 * const config = await loadSnowflakeConfig(new SecretsManagerSecret(client, arn));
 * const warehouse = new SnowflakeWarehouse(config);
 */
export function loadSnowflakeConfig(secret: SecretsManagerSecret): Promise<SnowflakeConfig> {
  let pending = loaded.get(secret);
  if (!pending) {
    pending = secret.json(SnowflakeSecretSchema).then((settings) => {
      const config = snowflakeConfigOf(settings, () => {
        throw new AirlockError('ERR_SECRET_INVALID', 'a key path cannot be used from Secrets Manager: put the PEM in SNOWFLAKE_PRIVATE_KEY');
      });
      if (config === null) throw new AirlockError('ERR_SECRET_INVALID', `secret ${secret.secretId} has no SNOWFLAKE_ACCOUNT`);
      return config;
    });
    pending.catch(() => loaded.delete(secret));
    loaded.set(secret, pending);
  }
  return pending;
}
