import { admitOffQuery } from '../use-cases/record-off-query-refusal.js';
import type { ApiDeps } from './api-deps.js';
import type { Route, RouteHandler } from './router.js';

/** Bytes of an answer to a read (GET) that cost one request of the pace: a session's records are read, parsed and serialised in proportion to their size. */
export const PACE_UNIT_ANSWER_BYTES = 16 * 1024;

/** The reads an agent can repeat as fast as it likes: a request's state and a session's records. */
const PACED_READS = new Set(['/v1/queries/{requestId}', '/v1/sessions/{sessionId}']);

/**
 * The local runtime's routes with its reads paced like its queries (issue 15): every identity shares
 * the one process, so `GET /v1/queries/{id}` and `GET /v1/sessions/{id}` cost the caller's read pace
 * (`requestsPerMinute` and `burst`, apart from its queries' pace: `PaceKind`) — one request, plus one per started 16 KiB of the answer, charged after it (a session of thousands
 * of records is megabytes to read and serialise). Past the pace: 429 ERR_RATE_LIMITED with Retry-After,
 * before anything is read, recorded as `query.throttled` with its `route` in the identity's refusal
 * session (recordOffQueryRefusal). In AWS each read has a
 * Lambda of its own, so the stage throttle bounds them instead.
 *
 * @example
 * const routes = pacedReads([...API_ROUTES]);
 */
export function pacedReads(routes: readonly Route<ApiDeps>[]): Route<ApiDeps>[] {
  return routes.map((r) => (r.method === 'GET' && PACED_READS.has(r.path) ? { ...r, handler: paced(`${r.method} ${r.path}`, r.handler) } : r));
}

function paced(route: string, handler: RouteHandler<ApiDeps>): RouteHandler<ApiDeps> {
  return async (deps, event) => {
    // The handler verifies the token again; the verifier keeps a verified token for a minute, so this is a lookup.
    const principal = await deps.verifier.verify(event.headers['authorization']);
    const admission = await admitOffQuery(deps, principal, route, 'reads');
    const result = await handler(deps, event);
    const extra = Math.max(0, Math.ceil(Buffer.byteLength(result.body, 'utf8') / PACE_UNIT_ANSWER_BYTES) - 1);
    await admission.done(0, extra);
    return result;
  };
}
