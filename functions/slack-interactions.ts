import { awsWiring } from '#shared/wiring/aws.js';
import { apiHandler } from './lib/api-handler.js';

/** POST /slack/interactions: verify Slack's signature, record the vote, resume the workflow on quorum. */
export const handler = apiHandler(['/slack/interactions'], () => awsWiring(process.env).interactionsDeps());
