import { loadSnowflakeConfig } from '../adapters/aws/snowflake-secret.js';
import { SnowflakeQueryHistory } from '../adapters/snowflake/snowflake-query-history.js';
import { SnowflakeWarehouse } from '../adapters/snowflake/snowflake-warehouse.js';
import type { QueryHistorySource } from '../reconcile/query-history.js';
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
 * const deps = await aws.queryApiDeps(await aws.warehouseOnce(() => snowflakeWarehouse(aws)));
 */
export async function snowflakeWarehouse(aws: AwsWiring): Promise<Warehouse> {
  return new SnowflakeWarehouse(await loadSnowflakeConfig(aws.secret('snowflakeSecret')));
}

/**
 * Snowflake's query history of the service user, for the scheduled reconcile: a connection of its
 * own from the Snowflake secret (the secret's user is the one whose history is read). Reading
 * another user's history needs `MONITOR` on the warehouse or the `GOVERNANCE_VIEWER` database
 * role; the user's own history needs nothing more (docs/deploy.md).
 *
 * @example
 * const { history } = await snowflakeHistory(awsWiring(process.env));
 */
export async function snowflakeHistory(aws: AwsWiring): Promise<{ warehouse: Warehouse; history: QueryHistorySource }> {
  const config = await loadSnowflakeConfig(aws.secret('snowflakeSecret'));
  const warehouse = new SnowflakeWarehouse(config);
  return { warehouse, history: new SnowflakeQueryHistory(warehouse, config.user) };
}
