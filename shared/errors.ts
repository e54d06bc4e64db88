/**
 * The one table from error codes to HTTP statuses. Every code an `AirlockError` may carry is
 * here (`AirlockErrorCode` is its keys, so an unlisted code does not compile). A 500 is a fault
 * of the server or its configuration: the HTTP response keeps its code and request id but never
 * its message (see `errorResponse`).
 */
export const ERROR_STATUS = {
  ERR_BAD_JSON: 400,
  ERR_VALIDATION: 400,
  ERR_SQL_INVALID: 400,
  // The warehouse would lex the text differently from the classifier (`//`, a backslash in a string…): refused before it runs.
  ERR_SQL_AMBIGUOUS: 400,
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
  // `iat` further in the future than the clock tolerance; an Authorization header that is not `Bearer …`.
  ERR_TOKEN_IAT: 401,
  ERR_TOKEN_SCHEME: 401,
  // Authenticated but not allowed: the policy refused (a request someone else owns is a 404, not a 403).
  ERR_POLICY_DENIED: 403,
  ERR_NOT_FOUND: 404,
  ERR_METHOD_NOT_ALLOWED: 405,
  ERR_IDEMPOTENCY_CONFLICT: 409,
  ERR_IN_PROGRESS: 409,
  // The request store already holds this request id (a create that lost a race).
  ERR_REQUEST_EXISTS: 409,
  ERR_BODY_TOO_LARGE: 413,
  ERR_PROMPT_TOO_LARGE: 413,
  ERR_SQL_TOO_LARGE: 413,
  ERR_ITEM_TOO_LARGE: 413,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  // One identity has too many approval requests waiting, or opened too many this hour (Retry-After).
  ERR_TOO_MANY_PENDING: 429,
  ERR_WAREHOUSE: 422,
  // An approved request whose SQL no longer hashes to what was requested and voted on (recorded as query.failed).
  ERR_SQL_HASH_MISMATCH: 422,
  // A row of the result is larger than the policy's limits.maxBytes: refused while reading, nothing shown.
  ERR_RESULT_TOO_LARGE: 422,
  ERR_WAREHOUSE_TIMEOUT: 504,
  // Nothing ran: Snowflake refused Airlock's own login (configuration), or could not be reached.
  ERR_WAREHOUSE_LOGIN: 503,
  ERR_WAREHOUSE_UNAVAILABLE: 503,
  // Fair use (issue 15): nothing ran — no warehouse slot in time, or too little time left once one was
  // free (503, Retry-After); an identity over one of its policy quotas (429, Retry-After, which limit).
  ERR_WAREHOUSE_BUSY: 503,
  ERR_RATE_LIMITED: 429,
  // The server is over its connection or per-client request budget (local runtime).
  ERR_OVERLOADED: 503,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_SIGNER_UNAVAILABLE: 503,
  // AWS: a Secrets Manager secret could not be read (denied, missing) or holds the wrong shape.
  ERR_SECRET_UNAVAILABLE: 503,
  ERR_CHECKPOINT_FAILED: 503,
  ERR_SECRET_INVALID: 503,
  ERR_NOT_READY: 503,
  ERR_JWKS_UNAVAILABLE: 503,
  ERR_CHAIN_CONFLICT: 503,
  // Approvals: a Slack request whose signature or timestamp does not check out; the approval wait
  // already ended; Step Functions or the Slack API unreachable.
  ERR_SLACK_SIGNATURE: 401,
  ERR_APPROVAL_CLOSED: 409,
  ERR_WORKFLOW_UNAVAILABLE: 503,
  ERR_NOTIFIER_UNAVAILABLE: 503,
  // Client-side (the MCP server / harness talking to the gateway): the gateway was unreachable or answered no JSON.
  ERR_GATEWAY_UNREACHABLE: 502,
  ERR_GATEWAY_RESPONSE: 502,
  // AIRLOCK_TOKEN_COMMAND failed or printed no token (MCP server).
  ERR_TOKEN_COMMAND: 500,
  // Startup and configuration errors (bad policy file, environment, masking settings, a function
  // deployed without a dependency): they stop the process or mean the deployment is wrong.
  ERR_POLICY_INVALID: 500,
  ERR_CONFIG: 500,
  ERR_MASKING_CONFIG: 500,
  // Internal invariants broken: a stored request without its records, a result whose rows do not
  // fit its columns, records signed by a key the export does not know.
  ERR_RECORD_MISSING: 500,
  ERR_MASKING_SHAPE: 500,
  ERR_EXPORT_KEY_UNKNOWN: 500,
  // Anything that is not an AirlockError, as the HTTP layer reports it.
  ERR_INTERNAL: 500,
} as const satisfies Record<`ERR_${string}`, 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503 | 504>;

/** Every stable error code: the keys of `ERROR_STATUS`. */
export type AirlockErrorCode = keyof typeof ERROR_STATUS;

/** True when `code` is in the table (for codes read from outside, e.g. a gateway response). */
export function isAirlockErrorCode(code: string): code is AirlockErrorCode {
  return Object.hasOwn(ERROR_STATUS, code);
}

/**
 * One base for every domain error: a stable `code` from `ERROR_STATUS` that tests and clients
 * rely on, and the original `cause`.
 *
 * @example
 * throw new AirlockError('ERR_SQL_TOO_LARGE', 'sql is 300000 bytes; the limit is 262144');
 */
export class AirlockError extends Error {
  readonly code: AirlockErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: AirlockErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AirlockError';
    this.code = code;
    this.details = options?.details;
  }
}

/** The HTTP status of `code`; a code not in the table (only possible for one read from outside) is a 500. */
export function httpStatusFor(code: string): number {
  return isAirlockErrorCode(code) ? ERROR_STATUS[code] : 500;
}

export function isAirlockError(e: unknown): e is AirlockError {
  return e instanceof AirlockError;
}
