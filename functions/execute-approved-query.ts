import { awsWiring } from '#shared/wiring/aws.js';
import { snowflakeWarehouse } from '#shared/wiring/aws-warehouse.js';
import { approvalTask } from './lib/approval-task.js';

/** Workflow task: run the stored, approved SQL on Snowflake (checked against the approved hash), mask, record. */
export const handler = approvalTask('execute', async () => {
  const aws = awsWiring(process.env);
  return aws.executeDeps(await aws.warehouseOnce(() => snowflakeWarehouse(aws)));
});
