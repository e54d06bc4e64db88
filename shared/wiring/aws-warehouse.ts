import { z } from 'zod';
import { SnowflakeWarehouse } from '../adapters/snowflake/snowflake-warehouse.js';
import { snowflakeConfigOf, type SnowflakeSettings } from '../adapters/snowflake/snowflake-config.js';
import { AirlockError } from '../errors.js';
import type { Warehouse } from '../ports/warehouse.js';
import type { AwsWiring } from './aws.js';

/**
 * The Snowflake secret's JSON shape: the same `SNOWFLAKE_*` names as the local environment
 * (INTERFACES.md "Configuration"), minus the file path (a Lambda has no key file).
 * `{ "SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_PRIVATE_KEY", "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"?,
 *    "SNOWFLAKE_ROLE"?, "SNOWFLAKE_WAREHOUSE"?, "SNOWFLAKE_DATABASE"?, "SNOWFLAKE_SCHEMA"?, "SNOWFLAKE_ACCESS_URL"? }`
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

/**
 * The Snowflake warehouse for the functions that execute queries — the only module that
 * imports snowflake-sdk into a Lambda bundle (the bundler checks every other function is
 * free of it). Credentials come from Secrets Manager, once per container; the connection is
 * reused across invocations.
 *
 * @example
 * const deps = await aws.apiDeps(await snowflakeWarehouse(aws));
 */
export async function snowflakeWarehouse(aws: AwsWiring): Promise<Warehouse> {
  const settings: SnowflakeSettings = await aws.secret('snowflakeSecret').json(SnowflakeSecretSchema);
  const config = snowflakeConfigOf(settings, () => {
    throw new AirlockError('ERR_CONFIG', 'SNOWFLAKE_PRIVATE_KEY_PATH is not supported in AWS: put the PEM in SNOWFLAKE_PRIVATE_KEY');
  });
  if (config === null) throw new AirlockError('ERR_SECRET_INVALID', 'the Snowflake secret has no SNOWFLAKE_ACCOUNT');
  return new SnowflakeWarehouse(config);
}
