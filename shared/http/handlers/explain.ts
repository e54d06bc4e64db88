import { z } from 'zod';
import { AirlockError } from '../../errors.js';
import { explainFor } from '../../use-cases/explain-for.js';
import { classify } from '../../sql/classify.js';
import { LIMITS } from '../../use-cases/query-input.js';
import { analyzeInference } from '../../use-cases/references-sensitive-column.js';
import { json, type ApiEvent, type ApiResult } from '../api-event.js';
import type { ApiDeps } from '../api-deps.js';
import { parseJsonBody } from '../parse-json-body.js';
import { rejectUnknownFields } from '../reject-unknown-fields.js';

const ExplainBody = z.strictObject({ sql: z.string().optional() });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * POST /v1/explain: the classification and decision for the caller's identity, and what the policy
 * lets this identity do. Same auth and input limits as /v1/queries; it only reads the policy, so it
 * runs nothing and records nothing (the deps it is given are never asked to write or execute).
 */
export async function postExplain(deps: Pick<ApiDeps, 'verifier' | 'policy'>, event: ApiEvent): Promise<ApiResult> {
  const principal = await deps.verifier.verify(event.headers['authorization']);
  const body = parseJsonBody(event.body, event.headers['content-type']);
  rejectUnknownFields(body, ['sql']);
  const sql = parseExplainInput(body);
  // The inference analysis of POST /v1/queries, by column names only: explain reads no warehouse,
  // so a use that only the catalog reveals (a row-valued alias …) shows up when the query is submitted.
  const inference = sql === undefined ? undefined : await analyzeInference(sql, classify(sql), deps.policy.masking.columns, undefined);
  return json(200, explainFor(deps.policy, principal, sql, inference));
}

/** `{ sql? }` with the limits of POST /v1/queries (400 shape, 413 size, 400 unpaired surrogate). */
export function parseExplainInput(value: unknown): string | undefined {
  const parsed = ExplainBody.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'body';
    const what = issue?.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue?.message ?? 'invalid';
    throw new AirlockError('ERR_VALIDATION', `${field}: ${what}; expected { sql?: string }`);
  }
  const { sql } = parsed.data;
  if (sql === undefined) return undefined;
  if (LONE_SURROGATE.test(sql)) throw new AirlockError('ERR_VALIDATION', 'sql: contains an unpaired UTF-16 surrogate');
  const bytes = Buffer.byteLength(sql, 'utf8');
  if (bytes > LIMITS.sqlBytes) throw new AirlockError('ERR_SQL_TOO_LARGE', `sql is ${bytes} bytes; the limit is ${LIMITS.sqlBytes}`);
  return sql;
}
