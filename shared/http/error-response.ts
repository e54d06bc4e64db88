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
    // 429 ERR_TOO_MANY_PENDING: the count, the limit and when to retry (also as Retry-After).
    const retry = e.details?.['retryAfterSeconds'];
    if (typeof retry === 'number') {
      for (const k of ['count', 'limit', 'retryAfterSeconds']) if (e.details?.[k] !== undefined) error[k] = e.details[k];
      return json(status, { error }, { 'retry-after': String(retry) });
    }
    return json(status, { error });
  }
  log?.(e);
  const error: Record<string, unknown> = { code: 'ERR_INTERNAL', message: 'internal error; the server log has the details under this request id' };
  if (requestId !== undefined) error['requestId'] = requestId;
  return json(500, { error });
}
