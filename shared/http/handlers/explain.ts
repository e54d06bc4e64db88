import { z } from 'zod';
import { AirlockError } from '../../errors.js';
import { explainFor } from '../../use-cases/explain-for.js';
import { admitOffQuery } from '../../use-cases/record-off-query-refusal.js';
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
 *
 * Given the quotas (the local runtime, where every identity shares one process), a statement to
 * explain costs its identity's pace like a query (`paceUnits`: classifying a long one is the cost),
 * and past the pace it is refused before it is classified: 429 ERR_RATE_LIMITED, recorded as
 * `query.throttled` in the identity's refusal session (recordOffQueryRefusal). In AWS each explain has a Lambda of its own; the stage throttle bounds them.
 */
export async function postExplain(deps: Pick<ApiDeps, 'verifier' | 'policy'> & Partial<Pick<ApiDeps, 'quotas' | 'clock' | 'newId' | 'records' | 'requests' | 'signer'>>, event: ApiEvent): Promise<ApiResult> {
  const principal = await deps.verifier.verify(event.headers['authorization']);
  const body = parseJsonBody(event.body, event.headers['content-type']);
  rejectUnknownFields(body, ['sql']);
  const sql = parseExplainInput(body);
  // Without quotas (AWS: a Lambda of its own) explain reads nothing else.
  const quotas = sql === undefined ? undefined : deps.quotas;
  const { clock, newId, records, requests, signer } = quotas === undefined ? {} : deps;
  if (sql !== undefined && quotas !== undefined && clock !== undefined && newId !== undefined && records !== undefined && requests !== undefined && signer !== undefined) {
    const paced = { policy: deps.policy, clock, newId, quotas, records, requests, signer };
    await admitOffQuery(paced, principal, 'POST /v1/explain', 'queries', sql);
  }
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
