import { httpStatusFor, isAirlockError } from '../errors.js';
import { json, type ApiResult } from './api-event.js';

/**
 * Maps any thrown value to the error shape of INTERFACES.md. Airlock errors keep their code and
 * message (which never hold secrets or unmasked values); anything else is a 500 that says nothing
 * about internals, only the request id to quote.
 */
export function errorResponse(e: unknown, requestId?: string, log?: (e: unknown) => void): ApiResult {
  if (isAirlockError(e)) {
    const status = httpStatusFor(e.code);
    if (status >= 500) log?.(e);
    const error: Record<string, unknown> = { code: e.code, message: e.message };
    if (requestId !== undefined) error['requestId'] = requestId;
    const reasons = e.details?.['reasons'];
    if (reasons !== undefined) error['reasons'] = reasons;
    // Fair use (issue 15): a 429/503 says which limit and when to come back.
    const headers: Record<string, string> = {};
    const limit = e.details?.['limit'];
    if (typeof limit === 'string') error['limit'] = limit;
    const retryAfter = e.details?.['retryAfterSeconds'];
    if (typeof retryAfter === 'number' && (status === 429 || status === 503)) {
      error['retryAfterSeconds'] = retryAfter;
      headers['retry-after'] = String(retryAfter);
    }
    if (requestId === undefined && typeof e.details?.['requestId'] === 'string' && e.code === 'ERR_RATE_LIMITED') error['requestId'] = e.details['requestId'];
    return json(status, { error }, headers);
  }
  log?.(e);
  const error: Record<string, unknown> = { code: 'ERR_INTERNAL', message: 'internal error; the server log has the details under this request id' };
  if (requestId !== undefined) error['requestId'] = requestId;
  return json(500, { error });
}
