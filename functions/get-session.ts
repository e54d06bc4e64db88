import { awsWiring } from '#shared/wiring/aws.js';
import { apiHandler } from './lib/api-handler.js';

/** GET /v1/sessions/{sessionId}: the session's records in seq order; reads only. */
export const handler = apiHandler(['/v1/sessions/{sessionId}'], () => awsWiring(process.env).readApiDeps());
