import { awsWiring } from '#shared/wiring/aws.js';
import { apiHandler } from './lib/api-handler.js';

/**
 * GET /v1/keys and GET /v1/health: no token; public keys come from KMS GetPublicKey. Health's
 * `details.sourceMasking` is the item the scheduled reconcile keeps (GetItem on that one key only), cached ≤ 60 s.
 */
export const handler = apiHandler(['/v1/keys', '/v1/health'], () => awsWiring(process.env).publicDeps());
