import { awsWiring } from '#shared/wiring/aws.js';
import { approvalTask } from './lib/approval-task.js';

/** Workflow task (waitForTaskToken): post the approval request to Slack and store the task token. Idempotent. */
export const handler = approvalTask('notify', () => awsWiring(process.env).notifyDeps());
