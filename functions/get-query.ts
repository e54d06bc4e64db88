import { awsWiring } from '#shared/wiring/aws.js';
import { apiHandler } from './lib/api-handler.js';

/** GET /v1/queries/{requestId}: status, votes and the stored masked result; reads only. */
export const handler = apiHandler(['/v1/queries/{requestId}'], () => awsWiring(process.env).readApiDeps());
