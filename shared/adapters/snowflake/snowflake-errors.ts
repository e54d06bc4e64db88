import { AirlockError } from '../../errors.js';

/** The fields snowflake-sdk 3.3 puts on its errors (OperationFailedError, NetworkError, …). */
interface DriverError {
  name?: string;
  code?: string | number;
  sqlState?: string;
  message?: string;
  data?: { queryId?: string; sqlState?: string } | null;
}

// Snowflake's server codes: session gone/expired, master token expired; 407002 is the driver's own
// "request on a disconnected connection", which is what a failed renewal leaves behind.
const SESSION_GONE = new Set(['390111', '390112', '390114', '407002', '405503']);
// Statement canceled by the server's own STATEMENT_TIMEOUT_IN_SECONDS, or by our abort after the deadline.
const TIMEOUT_CODES = new Set(['000630', '000604']);
// The driver's network-level codes: could not connect, non-200 response, non-JSON body, chunk fetch failures.
const NETWORK_CODES = new Set(['401001', '401002', '401003', '402001', '402002']);

function codeOf(e: unknown): string {
  const c = (e as DriverError | null)?.code;
  return c === undefined || c === null ? '' : String(c);
}

/** The session is gone: the statement never ran, so a fresh session may run it. */
export function isSessionGone(e: unknown): boolean {
  return SESSION_GONE.has(codeOf(e));
}

/** Removes credentials and internal hosts from a driver message, whatever the driver put there. */
export function scrub(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out
    .replace(/\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s"')]+/gi, '[redacted-url]')
    .replace(/\b[\w.-]+\.snowflakecomputing\.(com|cn)\b/gi, '[redacted-host]')
    .replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b/g, '[redacted-host]')
    .replace(/-----BEGIN[\s\S]*?-----END[^-]*-----/g, '[redacted-key]');
}

/**
 * A failed login → ERR_WAREHOUSE_LOGIN (bad key, user or role: fix the configuration), or
 * ERR_WAREHOUSE_UNAVAILABLE when Snowflake could not be reached. Neither echoes the driver's
 * text beyond Snowflake's code: it may name hosts.
 *
 * @example
 * throw loginError(err); // { code: 'ERR_WAREHOUSE_LOGIN', details: { snowflakeCode: '390144' } }
 */
export function loginError(e: unknown): AirlockError {
  const code = codeOf(e);
  if (NETWORK_CODES.has(code) || (e as DriverError | null)?.name === 'NetworkError') {
    return new AirlockError('ERR_WAREHOUSE_UNAVAILABLE', 'Snowflake could not be reached; nothing ran', { cause: e, details: { snowflakeCode: code } });
  }
  return new AirlockError('ERR_WAREHOUSE_LOGIN', `Snowflake refused the login (code ${code || 'unknown'}); check the user, key and role`, {
    cause: e,
    details: { snowflakeCode: code },
  });
}

/**
 * A failed statement → ERR_WAREHOUSE with Snowflake's code, SQL state, message and query id
 * (so the agent can fix its SQL), ERR_WAREHOUSE_TIMEOUT when it was canceled for time, or
 * ERR_WAREHOUSE_UNAVAILABLE on a network failure. Messages are scrubbed of `secrets` and hosts.
 *
 * @example
 * throw statementError(err, { secrets, timeoutMs: 20_000 });
 */
export function statementError(e: unknown, opts: { secrets: readonly string[]; timeoutMs: number; queryId?: string | undefined }): AirlockError {
  if (e instanceof AirlockError) return e;
  const d = (e ?? {}) as DriverError;
  const code = codeOf(e);
  const queryId = d.data?.queryId ?? opts.queryId;
  const details: Record<string, unknown> = { snowflakeCode: code };
  if (queryId) details['queryId'] = queryId;
  const sqlState = d.sqlState ?? d.data?.sqlState;
  if (sqlState) details['sqlState'] = sqlState;
  if (TIMEOUT_CODES.has(code)) {
    return new AirlockError('ERR_WAREHOUSE_TIMEOUT', `the statement did not finish within ${opts.timeoutMs} ms and was canceled`, { cause: e, details });
  }
  if (NETWORK_CODES.has(code) || d.name === 'NetworkError' || d.name === 'LargeResultSetError') {
    return new AirlockError('ERR_WAREHOUSE_UNAVAILABLE', 'the connection to Snowflake failed; the statement may not have completed', { cause: e, details });
  }
  const message = scrub(d.message ?? String(e), opts.secrets);
  return new AirlockError('ERR_WAREHOUSE', code && /^\d{6}$/.test(code) ? `${code} (${sqlState ?? '-----'}): ${message}` : message, { cause: e, details });
}
