import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ApiEvent, ApiResult } from '#shared/http/api-event.js';

/**
 * API Gateway HTTP API (payload 2.0) event → the handlers' `ApiEvent`. Header names arrive
 * lower-cased already; a base64 body (binary or form-encoded content types) is decoded to
 * the exact text the client sent, which Slack's signature check depends on.
 *
 * @example
 * const result = await dispatch(deps, fromApiGatewayEvent(event));
 */
export function fromApiGatewayEvent(event: APIGatewayProxyEventV2): ApiEvent {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const body = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    headers,
    query: { ...(event.queryStringParameters ?? {}) },
    body,
    requestId: event.requestContext.requestId,
  };
}

/** `ApiResult` → the HTTP API's structured result, tagged with the API Gateway request id for support. */
export function toApiGatewayResult(result: ApiResult, requestId?: string): APIGatewayProxyStructuredResultV2 {
  const headers = requestId === undefined ? result.headers : { ...result.headers, 'x-request-id': requestId };
  return { statusCode: result.statusCode, headers, body: result.body, isBase64Encoded: false };
}
