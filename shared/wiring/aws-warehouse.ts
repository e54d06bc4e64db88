import { loadSnowflakeConfig } from '../adapters/aws/snowflake-secret.js';
import { SnowflakeWarehouse } from '../adapters/snowflake/snowflake-warehouse.js';
import type { Warehouse } from '../ports/warehouse.js';
import type { AwsWiring } from './aws.js';

/**
 * The Snowflake warehouse for the functions that execute queries — the only wiring module that
 * imports snowflake-sdk into a Lambda bundle (the bundler checks every other function is free
 * of it). Credentials come from the Snowflake secret (`shared/adapters/aws/snowflake-secret.ts`
 * has its JSON shape), once per container; the connection is reused across invocations.
 *
 * @example
 * const aws = awsWiring(process.env);
 * const deps = await aws.apiDeps({ warehouse: await aws.warehouseOnce(() => snowflakeWarehouse(aws)) });
 */
export async function snowflakeWarehouse(aws: AwsWiring): Promise<Warehouse> {
  return new SnowflakeWarehouse(await loadSnowflakeConfig(aws.secret('snowflakeSecret')));
}
