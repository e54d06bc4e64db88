import { httpStatusFor, isAirlockError } from '../errors.js';
import { json, type ApiResult } from './api-event.js';

/** What every 500 says: nothing about internals, only that the log has the rest under the request id. */
export const INTERNAL_ERROR_MESSAGE = 'internal error; the server log has the details under this request id';

/**
 * Maps any thrown value to the error shape of docs/interfaces.md. Airlock errors keep their code;
 * below 500 they keep their message too (which never holds secrets or unmasked values). A 500 —
 * a configuration or startup error, a broken invariant, anything that is not an AirlockError —
 * says nothing about internals: its message is replaced by `INTERNAL_ERROR_MESSAGE` and the
 * request id to quote, and the original goes to `log`.
 */
export function errorResponse(e: unknown, requestId?: string, log?: (e: unknown) => void): ApiResult {
  if (isAirlockError(e)) {
    const status = httpStatusFor(e.code);
    if (status >= 500) log?.(e);
    const error: Record<string, unknown> = { code: e.code, message: status === 500 ? INTERNAL_ERROR_MESSAGE : e.message };
    if (requestId !== undefined) error['requestId'] = requestId;
    const reasons = e.details?.['reasons'];
    if (reasons !== undefined && status < 500) error['reasons'] = reasons;
    // Fair use: a 429/503 says which limit and when to come back.
    const headers: Record<string, string> = {};
    const limit = e.details?.['limit'];
    if (typeof limit === 'string' || typeof limit === 'number') error['limit'] = limit;
    const count = e.details?.['count'];
    if (typeof count === 'number') error['count'] = count;
    const retryAfter = e.details?.['retryAfterSeconds'];
    if (typeof retryAfter === 'number' && (status === 429 || status === 503)) {
      error['retryAfterSeconds'] = retryAfter;
      headers['retry-after'] = String(retryAfter);
    }
    // A refusal over a quota or a cap is on record: its id is the record's (what the agent can look up), not
    // the correlation id of the server log (a 4xx logs nothing).
    if (typeof e.details?.['requestId'] === 'string' && (e.code === 'ERR_RATE_LIMITED' || e.code === 'ERR_TOO_MANY_PENDING')) error['requestId'] = e.details['requestId'];
    return json(status, { error }, headers);
  }
  log?.(e);
  const error: Record<string, unknown> = { code: 'ERR_INTERNAL', message: INTERNAL_ERROR_MESSAGE };
  if (requestId !== undefined) error['requestId'] = requestId;
  return json(500, { error });
}
