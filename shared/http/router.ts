import { randomUUID } from 'node:crypto';
import { AirlockError } from '../errors.js';
import type { ApiEvent, ApiResult } from './api-event.js';
import type { ApiDeps } from './api-deps.js';
import { errorResponse } from './error-response.js';
import { postExplain } from './handlers/explain.js';
import { getQuery } from './handlers/get-query.js';
import { getSession } from './handlers/get-session.js';
import { postQuery } from './handlers/post-query.js';
import { getHealth, getKeys } from './handlers/public.js';
import { postSlackInteractions } from './handlers/slack-interactions.js';

export type RouteHandler = (deps: ApiDeps, event: ApiEvent) => Promise<ApiResult>;

export interface Route {
  method: string;
  /** path with `{name}` parameters that match one segment */
  path: string;
  handler: RouteHandler;
}

/** The routes of docs/interfaces.md "HTTP"; the same table feeds the API Gateway routes. */
export const API_ROUTES: Route[] = [
  { method: 'POST', path: '/v1/queries', handler: postQuery },
  { method: 'GET', path: '/v1/queries/{requestId}', handler: getQuery },
  { method: 'GET', path: '/v1/sessions/{sessionId}', handler: getSession },
  { method: 'POST', path: '/v1/explain', handler: postExplain },
  { method: 'GET', path: '/v1/keys', handler: (d) => getKeys(d) },
  { method: 'GET', path: '/v1/health', handler: (d) => getHealth(d) },
  { method: 'POST', path: '/slack/interactions', handler: postSlackInteractions },
];

function match(route: Route, path: string): Record<string, string> | null {
  const want = route.path.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    if (w.startsWith('{')) {
      let value: string;
      try {
        value = decodeURIComponent(g);
      } catch {
        return null;
      }
      params[w.slice(1, -1)] = value;
    } else if (w !== g) return null;
  }
  return params;
}

/**
 * Finds the route, runs it, and turns every failure into the error shape with a stable code.
 * Unknown paths are 404, known paths with another method 405.
 */
export async function dispatch(deps: ApiDeps, event: ApiEvent, routes: Route[] = API_ROUTES): Promise<ApiResult> {
  try {
    let pathMatched = false;
    for (const route of routes) {
      const params = match(route, event.path);
      if (params === null) continue;
      pathMatched = true;
      if (route.method !== event.method) continue;
      return await route.handler(deps, { ...event, params });
    }
    if (pathMatched) throw new AirlockError('ERR_METHOD_NOT_ALLOWED', `${event.method} is not allowed on ${event.path.slice(0, 200)}`);
    throw new AirlockError('ERR_NOT_FOUND', `no route for ${event.method} ${event.path.slice(0, 200)}`);
  } catch (e) {
    const requestId = event.requestId ?? randomUUID();
    return errorResponse(e, requestId, (err) => deps.log('error', 'request failed', { err: describe(err), path: event.path.slice(0, 200), requestId }));
  }
}

function describe(e: unknown): Record<string, unknown> {
  if (e instanceof AirlockError) return { code: e.code, message: e.message };
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { value: String(e) };
}
