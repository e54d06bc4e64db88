import { awsWiring } from '#shared/wiring/aws.js';
import { apiHandler } from './lib/api-handler.js';

/** POST /v1/explain: classification and decision for the caller; runs and records nothing. */
export const handler = apiHandler(['/v1/explain'], () => awsWiring(process.env).explainDeps());
