import { z } from 'zod';
import { AirlockError } from '../errors.js';

export const LIMITS = {
  bodyBytes: 1024 * 1024,
  promptBytes: 32 * 1024,
  sqlBytes: 256 * 1024,
} as const;

export const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Sessions the gateway opens itself: an identity's refusals of reads and explains (record-off-query-refusal.ts). */
export const REFUSAL_SESSION_PREFIX = 'throttled-';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

const QueryBody = z.strictObject({
  prompt: z.string(),
  sql: z.string(),
  sessionId: z.string().optional(),
  idempotencyKey: z.string().optional(),
});

export type QueryInput = z.infer<typeof QueryBody>;

/**
 * Validates the body of `POST /v1/queries`: shape first (400 ERR_VALIDATION naming the field),
 * then byte limits in UTF-8 (413), then id formats (400 ERR_BAD_ID).
 *
 * @example
 * const input = parseQueryInput(JSON.parse(body));
 */
export function parseQueryInput(value: unknown): QueryInput {
  const parsed = QueryBody.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'body';
    const what = issue?.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue?.message ?? 'invalid';
    throw new AirlockError('ERR_VALIDATION', `${field}: ${what}; expected { prompt: string, sql: string, sessionId?: string, idempotencyKey?: string }`);
  }
  const input = parsed.data;
  for (const field of ['prompt', 'sql'] as const) {
    // A lone UTF-16 surrogate has no UTF-8 form: it could be neither hashed canonically nor recorded.
    if (LONE_SURROGATE.test(input[field])) throw new AirlockError('ERR_VALIDATION', `${field}: contains an unpaired UTF-16 surrogate`);
  }
  const promptBytes = Buffer.byteLength(input.prompt, 'utf8');
  if (promptBytes > LIMITS.promptBytes) {
    throw new AirlockError('ERR_PROMPT_TOO_LARGE', `prompt is ${promptBytes} bytes; the limit is ${LIMITS.promptBytes}`);
  }
  const sqlBytes = Buffer.byteLength(input.sql, 'utf8');
  if (sqlBytes > LIMITS.sqlBytes) {
    throw new AirlockError('ERR_SQL_TOO_LARGE', `sql is ${sqlBytes} bytes; the limit is ${LIMITS.sqlBytes}`);
  }
  if (input.sessionId !== undefined && !SESSION_ID.test(input.sessionId)) {
    throw new AirlockError('ERR_BAD_ID', 'sessionId must match ^[A-Za-z0-9_-]{1,64}$');
  }
  // The gateway's own sessions (an identity's refusal session, record-off-query-refusal.ts): an agent that
  // could claim another identity's first would make that identity's refusals unrecordable.
  if (input.sessionId !== undefined && input.sessionId.startsWith(REFUSAL_SESSION_PREFIX)) {
    throw new AirlockError('ERR_BAD_ID', `sessionId must not start with ${REFUSAL_SESSION_PREFIX} (reserved for the gateway's own sessions)`);
  }
  if (input.idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(input.idempotencyKey)) {
    throw new AirlockError('ERR_BAD_ID', 'idempotencyKey must be 1 to 128 printable ASCII characters without spaces');
  }
  return input;
}
