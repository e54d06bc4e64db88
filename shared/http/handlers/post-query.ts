import { json, type ApiEvent, type ApiResult } from '../api-event.js';
import type { ApiDeps } from '../api-deps.js';
import { parseJsonBody } from '../parse-json-body.js';
import { rejectUnknownFields } from '../reject-unknown-fields.js';
import { parseQueryInput } from '../../use-cases/query-input.js';
import { outcomeError } from '../../ports/query-outcome.js';
import { httpStatusOfOutcome, submitQuery, type SubmitQueryDeps } from '../../use-cases/submit-query.js';

/** POST /v1/queries */
export async function postQuery(deps: SubmitQueryDeps & Pick<ApiDeps, 'verifier'>, event: ApiEvent): Promise<ApiResult> {
  const principal = await deps.verifier.verify(event.headers['authorization']);
  const body = parseJsonBody(event.body, event.headers['content-type']);
  rejectUnknownFields(body, ['prompt', 'sql', 'sessionId', 'idempotencyKey']);
  const input = parseQueryInput(body);
  const outcome = await submitQuery(deps, principal, input);
  const status = httpStatusOfOutcome(outcome);
  // A busy warehouse (nothing ran): 503 with when to retry.
  const retryAfter = outcomeError(outcome)?.retryAfterSeconds;
  return json(status, outcome.body, status === 503 && typeof retryAfter === 'number' ? { 'retry-after': String(retryAfter) } : {});
}
