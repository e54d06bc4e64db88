import { isAirlockError } from '#shared/errors.js';
import type { Reason } from '#shared/sql/types.js';

/** What an MCP tool returns (the SDK's CallToolResult, text only). */
export interface ToolResult {
  [key: string]: unknown;
  content: Array<{ type: 'text'; text: string }>;
  isError?: boolean;
}

export function textResult(text: string, isError = false): ToolResult {
  return isError ? { content: [{ type: 'text', text }], isError: true } : { content: [{ type: 'text', text }] };
}

/**
 * What the model should do about each gateway error code: a sentence it can act on. Codes not
 * listed fall back by HTTP class. The code itself always leads the text, so a harness can match on it.
 */
const HINTS: Record<string, string> = {
  ERR_TOKEN_MISSING: 'The MCP server has no token: the user must set AIRLOCK_TOKEN or AIRLOCK_TOKEN_COMMAND and restart it. Retrying will not help.',
  ERR_TOKEN_EXPIRED:
    'The token has expired and could not be refreshed: the user must provide a fresh AIRLOCK_TOKEN (or use AIRLOCK_TOKEN_COMMAND) and restart the MCP server. Retrying will not help.',
  ERR_TOKEN_COMMAND: 'AIRLOCK_TOKEN_COMMAND did not print a token (details on the server log): the user must fix the command. Retrying will not help.',
  ERR_SQL_INVALID: 'The text is not a SQL statement Airlock can classify. Fix the SQL and call run_query again.',
  ERR_VALIDATION: 'Fix the arguments as the message says and call the tool again.',
  ERR_BAD_ID: 'Fix the id: request ids are the 26-character ids run_query returned; session ids match ^[A-Za-z0-9_-]{1,64}$.',
  ERR_SQL_TOO_LARGE: 'The SQL is over 256 KiB. Split the work into smaller statements.',
  ERR_PROMPT_TOO_LARGE: 'The reason is over 32 KiB. Summarise the user request in a sentence or two.',
  ERR_BODY_TOO_LARGE: 'The request is over 1 MiB. Send smaller SQL.',
  ERR_NOT_FOUND: 'No such request or session for this identity. Use the request_id run_query returned, or omit session_id to use this connection\'s session.',
  ERR_IDEMPOTENCY_CONFLICT: 'This request key was already used with another statement. Call run_query again.',
  ERR_IN_PROGRESS: 'The same request is still being processed. Call get_query_result with its request id instead of resubmitting.',
  ERR_STORE_UNAVAILABLE: 'Airlock could not write its record, so nothing ran. Try again in a moment; if it persists, tell the user the gateway is degraded.',
  ERR_SIGNER_UNAVAILABLE: 'Airlock could not sign its record, so nothing ran. Try again in a moment; if it persists, tell the user the gateway is degraded.',
  ERR_NOT_READY: 'Airlock is starting up; nothing ran. Try again in a few seconds.',
  ERR_CHAIN_CONFLICT: 'Another request in this session was recorded at the same moment; nothing ran. Call run_query again.',
  ERR_JWKS_UNAVAILABLE: 'Airlock could not reach the identity provider to check the token; nothing ran. Try again in a moment.',
  ERR_GATEWAY_UNREACHABLE: 'The gateway is not running or AIRLOCK_URL is wrong: tell the user to start Airlock (npm start) or fix AIRLOCK_URL. Nothing ran.',
  ERR_GATEWAY_RESPONSE: 'AIRLOCK_URL does not point at an Airlock gateway: tell the user to check it. Nothing ran.',
  ERR_WAREHOUSE: 'The warehouse refused the statement; the failure is recorded. Fix the SQL (use describe_table to check names) and call run_query again.',
  ERR_WAREHOUSE_TIMEOUT: 'The statement ran past the statement timeout and was cancelled. Narrow it (filters, LIMIT, aggregates) and call run_query again.',
  ERR_POLICY_DENIED:
    'Do not retry this statement or a rewording of it. Tell the user why it is refused; explain_policy shows what this identity may run.',
};

export function hintFor(code: string, httpStatus?: number): string {
  const hint = HINTS[code];
  if (hint !== undefined) return hint;
  if (code.startsWith('ERR_TOKEN_')) return 'The gateway refused the token: the user must fix the MCP server\'s AIRLOCK_TOKEN or AIRLOCK_TOKEN_COMMAND. Retrying will not help.';
  if (httpStatus !== undefined && httpStatus >= 500) return 'The gateway failed; nothing is known to have run. Try again in a moment, then tell the user.';
  return 'Fix the request as the message says, or tell the user.';
}

export function formatReasons(reasons: ReadonlyArray<Reason> | undefined): string {
  if (reasons === undefined || reasons.length === 0) return '';
  return reasons.map((r) => `- ${r.code} (line ${r.at.line}, column ${r.at.column}): ${r.message}`).join('\n');
}

/** `CODE: message` + reasons + the hint, as an MCP tool error. */
export function codedError(code: string, message: string, opts: { httpStatus?: number; reasons?: Reason[]; hint?: string } = {}): ToolResult {
  const reasons = formatReasons(opts.reasons);
  const parts = [`${code}: ${message}`];
  if (reasons !== '') parts.push(`Reasons:\n${reasons}`);
  parts.push(`What to do: ${opts.hint ?? hintFor(code, opts.httpStatus)}`);
  return textResult(parts.join('\n'), true);
}

/** Any thrown value → a tool error. Airlock errors keep their code; anything else says nothing internal. */
export function toolErrorOf(e: unknown): ToolResult {
  if (isAirlockError(e)) {
    const httpStatus = typeof e.details?.['httpStatus'] === 'number' ? e.details['httpStatus'] : undefined;
    const reasons = Array.isArray(e.details?.['reasons']) ? (e.details['reasons'] as Reason[]) : undefined;
    return codedError(e.code, e.message, { ...(httpStatus === undefined ? {} : { httpStatus }), ...(reasons === undefined ? {} : { reasons }) });
  }
  return codedError('ERR_INTERNAL', 'the Airlock MCP server failed unexpectedly (details on its stderr log)', {
    hint: 'Try again once; if it fails again, tell the user.',
  });
}
