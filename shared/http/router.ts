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

export type RouteHandler<D = ApiDeps> = (deps: D, event: ApiEvent) => Promise<ApiResult>;

/** What `dispatch` itself reads from any function's deps: the log for a failed request. */
export type DispatchDeps = Pick<ApiDeps, 'log'>;

/** A route whose handler reads deps of type `D` (its own narrow type, e.g. a `Pick` of `ApiDeps`). */
export interface Route<D = ApiDeps> {
  method: string;
  /** path with `{name}` parameters that match one segment */
  path: string;
  handler: RouteHandler<D>;
}

function route<const P extends string, D>(method: string, path: P, handler: RouteHandler<D>): Route<D> & { path: P } {
  return { method, path, handler };
}

/** The routes of docs/interfaces.md "HTTP"; the same table feeds the API Gateway routes. Each keeps its handler's deps type. */
export const API_ROUTES = [
  route('POST', '/v1/queries', postQuery),
  route('GET', '/v1/queries/{requestId}', getQuery),
  route('GET', '/v1/sessions/{sessionId}', getSession),
  route('POST', '/v1/explain', postExplain),
  route('GET', '/v1/keys', getKeys),
  route('GET', '/v1/health', getHealth),
  route('POST', '/slack/interactions', postSlackInteractions),
] as const;

type ApiRoute = (typeof API_ROUTES)[number];
/** A path of `API_ROUTES`. */
export type ApiPath = ApiRoute['path'];
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type HandlerDeps<R> = R extends Route<infer D> ? D : never;

/**
 * Exactly what a function serving `paths` must be given: every deps field their handlers read, and the
 * log. A function built from fewer parts does not compile (functions/lib/api-handler.ts).
 *
 * @example
 * const deps: RouteDeps<'/v1/keys' | '/v1/health'> = { notReady: () => [], keys, log };
 */
export type RouteDeps<P extends ApiPath> = UnionToIntersection<HandlerDeps<Extract<ApiRoute, { path: P }>>> & DispatchDeps;

function match(route: Pick<Route, 'path'>, path: string): Record<string, string> | null {
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
export async function dispatch<D extends DispatchDeps>(deps: D, event: ApiEvent, routes: readonly Route<D>[]): Promise<ApiResult>;
export async function dispatch(deps: ApiDeps, event: ApiEvent): Promise<ApiResult>;
export async function dispatch(deps: DispatchDeps, event: ApiEvent, routes: readonly Route<never>[] = API_ROUTES): Promise<ApiResult> {
  try {
    let pathMatched = false;
    for (const route of routes) {
      const params = match(route, event.path);
      if (params === null) continue;
      pathMatched = true;
      if (route.method !== event.method) continue;
      // The overloads tie `deps` to the routes' deps type; every route here was given what it reads.
      return await (route.handler as RouteHandler<DispatchDeps>)(deps, { ...event, params });
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
