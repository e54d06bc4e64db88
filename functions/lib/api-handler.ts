import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorResponse } from '#shared/http/error-response.js';
import { API_ROUTES, dispatch, type ApiPath, type Route, type RouteDeps } from '#shared/http/router.js';
import { lambdaLog } from '#shared/wiring/aws.js';
import { fromApiGatewayEvent, toApiGatewayResult } from './api-gateway-event.js';

export type ApiGatewayHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * A Lambda handler for some of `API_ROUTES` (one function per route group, each with only
 * its own grants), through the same `dispatch` the local server uses. Its route table holds
 * only `paths`: any other route is the router's 404 (or 405), never a handler without its parts.
 * `deps` must hold every part those routes' handlers read (`RouteDeps`): a function wired with
 * less does not compile. A failure to build the dependencies (bad env, unreadable secret)
 * answers with the error shape, never a stack trace.
 *
 * @example
 * export const handler = apiHandler(['/v1/queries/{requestId}'], () => awsWiring(process.env).readApiDeps());
 */
export function apiHandler<P extends ApiPath>(paths: readonly P[], deps: () => Promise<RouteDeps<P>>): ApiGatewayHandler {
  const routes = API_ROUTES.filter((r) => (paths as readonly string[]).includes(r.path)) as readonly Route<never>[] as readonly Route<RouteDeps<P>>[];
  const unknown = paths.filter((p) => !routes.some((r) => r.path === p));
  if (unknown.length > 0) throw new Error(`no such routes in API_ROUTES: ${unknown.join(', ')}`);
  return async (event) => {
    const requestId = event.requestContext.requestId;
    let d: RouteDeps<P>;
    try {
      d = await deps();
    } catch (e) {
      return toApiGatewayResult(errorResponse(e, requestId, (err) => lambdaLog('error', 'wiring failed', { err: String(err), requestId })), requestId);
    }
    return toApiGatewayResult(await dispatch(d, fromApiGatewayEvent(event), routes), requestId);
  };
}
