import { awsWiring } from '#shared/wiring/aws.js';
import { approvalTask } from './lib/approval-task.js';

/** Workflow task: `action: "expire"` records `approval.expired`; `"finish"` updates the Slack message with the outcome. */
export const handler = approvalTask('record-outcome', () => awsWiring(process.env).recordOutcomeDeps());
