import { awsWiring } from '#shared/wiring/aws.js';
import { snowflakeWarehouse } from '#shared/wiring/aws-warehouse.js';
import { apiHandler } from './lib/api-handler.js';

/** POST /v1/queries: write-ahead record, then run on Snowflake, refuse, or start the approval workflow. */
export const handler = apiHandler(['/v1/queries'], async () => {
  const aws = awsWiring(process.env);
  return aws.queryApiDeps(await aws.warehouseOnce(() => snowflakeWarehouse(aws)));
});
