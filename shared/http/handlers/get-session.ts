import { AirlockError } from '../../errors.js';
import { mayRead } from '../../use-cases/may-read.js';
import { SESSION_ID } from '../../use-cases/query-input.js';
import { json, type ApiEvent, type ApiResult } from '../api-event.js';
import type { ApiDeps } from '../api-deps.js';

/** GET /v1/sessions/{sessionId}: the owner and auditor groups read it; anyone else gets the same 404 as an unknown id. */
export async function getSession(deps: Pick<ApiDeps, 'verifier' | 'policy' | 'requests' | 'records'>, event: ApiEvent): Promise<ApiResult> {
  const principal = await deps.verifier.verify(event.headers['authorization']);
  const sessionId = event.params?.['sessionId'] ?? '';
  if (!SESSION_ID.test(sessionId)) throw new AirlockError('ERR_BAD_ID', 'sessionId must match ^[A-Za-z0-9_-]{1,64}$');
  const owner = await deps.requests.getSession(sessionId);
  if (!mayRead(deps.policy, principal, owner?.owner ?? null)) throw new AirlockError('ERR_NOT_FOUND', `session ${sessionId} not found`);
  const records = (await deps.records.list(sessionId)).map((s) => JSON.parse(s) as unknown);
  return json(200, { sessionId, records });
}
