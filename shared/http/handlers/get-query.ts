import { AirlockError } from '../../errors.js';
import type { RequestItem, RequestStatus } from '../../ports/request-store.js';
import { mayRead } from '../../use-cases/may-read.js';
import { recoverIfInterrupted } from '../../use-cases/recover-interrupted.js';
import { completeFromRecords, loadOutcome } from '../../use-cases/stored-outcome.js';
import { httpStatusOfOutcome, type QueryOutcome } from '../../use-cases/submit-query.js';
import { json, type ApiEvent, type ApiResult } from '../api-event.js';
import type { ApiDeps } from '../api-deps.js';

export const REQUEST_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const WAITING: RequestStatus[] = ['pending_approval', 'approved', 'running'];
const MAX_WAIT_SECONDS = 25;

export type GetQueryDeps = Pick<ApiDeps, 'verifier' | 'policy' | 'requests' | 'records' | 'clock' | 'log'>;

/**
 * GET /v1/queries/{requestId}[?waitSeconds=N]. A request still `running` past its statement
 * timeout (plus a margin) had its execution die before the outcome: it is answered, and left,
 * `outcome_unknown` (the scheduled recovery does the same for requests nobody asks about).
 */
export async function getQuery(deps: GetQueryDeps, event: ApiEvent): Promise<ApiResult> {
  const principal = await deps.verifier.verify(event.headers['authorization']);
  const requestId = event.params?.['requestId'] ?? '';
  if (!REQUEST_ID.test(requestId)) throw new AirlockError('ERR_BAD_ID', 'requestId must be a ULID (26 characters of Crockford base32)');
  const waitSeconds = parseWait(event.query['waitSeconds']);
  const deadline = Date.now() + waitSeconds * 1000;
  let item = await deps.requests.get(requestId);
  // The requester and the policy's auditors may read a request; to anyone else it does not exist.
  if (item === null || !mayRead(deps.policy, principal, item.owner)) throw new AirlockError('ERR_NOT_FOUND', `request ${requestId} not found`);
  item = await recoverIfInterrupted(deps, await completeFromRecords(deps, item, httpStatusOfOutcome));
  while (WAITING.includes(item.status) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, Math.min(250, Math.max(1, deadline - Date.now()))));
    item = await recoverIfInterrupted(deps, await completeFromRecords(deps, (await deps.requests.get(requestId)) ?? item, httpStatusOfOutcome));
  }
  return json(200, view(item, await loadOutcome(deps.records, item)));
}

function parseWait(raw: string | undefined): number {
  if (raw === undefined) return 0;
  if (!/^\d{1,3}$/.test(raw) || Number(raw) > MAX_WAIT_SECONDS) {
    throw new AirlockError('ERR_VALIDATION', `waitSeconds must be a whole number from 0 to ${MAX_WAIT_SECONDS}`);
  }
  return Number(raw);
}

function view(item: RequestItem, outcome: QueryOutcome | null): Record<string, unknown> {
  const out: Record<string, unknown> = {
    requestId: item.requestId,
    sessionId: item.sessionId,
    // `running` is internal (the claim before execution); an approved request that is running is `approved` to clients.
    status: item.status === 'running' && item.approvalsRequired > 0 ? 'approved' : item.status,
    risk: item.risk,
    approvalsRequired: item.approvalsRequired,
    votes: item.votes,
    expiresAt: item.expiresAt ?? null,
  };
  const response = outcome ?? undefined;
  if (item.status === 'executed' && response?.body) out['result'] = response.body;
  if (item.status === 'failed' && response?.body?.['error']) out['error'] = response.body['error'];
  if (item.status === 'denied' && response?.body?.['reasons']) out['reasons'] = response.body['reasons'];
  return out;
}
