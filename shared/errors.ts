/**
 * One base for every domain error: a stable `code` that tests and clients rely on,
 * an HTTP status from the single table below, and the original `cause`.
 *
 * @example
 * throw new AirlockError('ERR_SQL_TOO_LARGE', 'sql is 300000 bytes; the limit is 262144');
 */
export class AirlockError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: string, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AirlockError';
    this.code = code;
    this.details = options?.details;
  }
}

/** The one table from error codes to HTTP statuses. Anything not listed is a 500. */
const STATUS: Record<string, number> = {
  ERR_BAD_JSON: 400,
  ERR_VALIDATION: 400,
  ERR_SQL_INVALID: 400,
  ERR_BAD_ID: 400,
  ERR_TOKEN_MISSING: 401,
  ERR_TOKEN_MALFORMED: 401,
  ERR_TOKEN_SIGNATURE: 401,
  ERR_TOKEN_ALGORITHM: 401,
  ERR_TOKEN_EXPIRED: 401,
  ERR_TOKEN_NOT_YET_VALID: 401,
  ERR_TOKEN_ISSUER: 401,
  ERR_TOKEN_AUDIENCE: 401,
  ERR_TOKEN_CLAIMS: 401,
  // Issue 14: `iat` further in the future than the clock tolerance; an Authorization header that is not `Bearer …`.
  ERR_TOKEN_IAT: 401,
  ERR_TOKEN_SCHEME: 401,
  ERR_FORBIDDEN: 403,
  ERR_POLICY_DENIED: 403,
  ERR_NOT_FOUND: 404,
  ERR_METHOD_NOT_ALLOWED: 405,
  ERR_IDEMPOTENCY_CONFLICT: 409,
  ERR_IN_PROGRESS: 409,
  ERR_BODY_TOO_LARGE: 413,
  ERR_PROMPT_TOO_LARGE: 413,
  ERR_SQL_TOO_LARGE: 413,
  ERR_ITEM_TOO_LARGE: 413,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  // Issue 14: one identity has too many approval requests waiting, or opened too many this hour (Retry-After).
  ERR_TOO_MANY_PENDING: 429,
  ERR_WAREHOUSE: 422,
  ERR_WAREHOUSE_TIMEOUT: 504,
  // Nothing ran: Snowflake refused Airlock's own login (configuration), or could not be reached.
  ERR_WAREHOUSE_LOGIN: 503,
  ERR_WAREHOUSE_UNAVAILABLE: 503,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_SIGNER_UNAVAILABLE: 503,
  // AWS: a Secrets Manager secret could not be read (denied, missing) or holds the wrong shape.
  ERR_SECRET_UNAVAILABLE: 503,
  ERR_CHECKPOINT_FAILED: 503,
  ERR_SECRET_INVALID: 503,
  ERR_NOT_READY: 503,
  ERR_JWKS_UNAVAILABLE: 503,
  ERR_CHAIN_CONFLICT: 503,
  // Approvals (issue 4): a Slack request whose signature or timestamp does not check out; the
  // approval wait already ended; Step Functions or the Slack API unreachable.
  ERR_SLACK_SIGNATURE: 401,
  ERR_APPROVAL_CLOSED: 409,
  ERR_WORKFLOW_UNAVAILABLE: 503,
  ERR_NOTIFIER_UNAVAILABLE: 503,
  // Client-side (the MCP server / harness talking to the gateway): the gateway was unreachable or answered no JSON.
  ERR_GATEWAY_UNREACHABLE: 502,
  ERR_GATEWAY_RESPONSE: 502,
  // AIRLOCK_TOKEN_COMMAND failed or printed no token (MCP server).
  ERR_TOKEN_COMMAND: 500,
  // A startup error (bad policy file): it stops the process before any request, so 500 is only a backstop.
  ERR_POLICY_INVALID: 500,
};

export function httpStatusFor(code: string): number {
  return STATUS[code] ?? 500;
}

export function isAirlockError(e: unknown): e is AirlockError {
  return e instanceof AirlockError;
}
