/**
 * The subset of an API Gateway HTTP API (payload 2.0) event and result that the handlers use.
 * The local server builds the same shape from node:http requests, so one set of handlers serves both.
 */
export interface ApiEvent {
  method: string;
  /** raw path, e.g. /v1/queries/01J… */
  path: string;
  /** lower-cased header names */
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  body: string;
  /** set by the router */
  params?: Record<string, string>;
  /** The platform's id for this HTTP request (API Gateway's), quoted in error bodies and logs; the router makes one when absent. */
  requestId?: string;
}

export interface ApiResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }, body: JSON.stringify(body) };
}
