import { AirlockError } from '../../errors.js';
import type { RequestItem, RequestStatus } from '../../ports/request-store.js';
import { mayRead } from '../../use-cases/may-read.js';
import { recoverIfInterrupted } from '../../use-cases/recover-interrupted.js';
import { completeFromRecords, loadOutcome } from '../../use-cases/stored-outcome.js';
import { requestFromRecords, stateFromRecords } from '../../use-cases/direct-read-item.js';
import { outcomeError, type OutcomeBody, type QueryOutcome } from '../../ports/query-outcome.js';
import { decodeTime } from 'ulid';
import type { StatementError } from '../../records/record-body.js';
import type { Reason, Risk } from '../../sql/types.js';
import type { SessionRecord } from '../../records/types.js';
import { httpStatusOfOutcome } from '../../use-cases/submit-query.js';
import { json, type ApiEvent, type ApiResult } from '../api-event.js';
import type { ApiDeps } from '../api-deps.js';

export const REQUEST_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const WAITING: RequestStatus[] = ['pending_approval', 'approved', 'running'];
const MAX_WAIT_SECONDS = 25;

export type GetQueryDeps = Pick<ApiDeps, 'verifier' | 'policy' | 'requests' | 'records' | 'clock' | 'log' | 'executionsSince'>;

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
  // A direct read's item is written after its answer: until then (or after a crash), from its write-ahead record.
  const stored = await deps.requests.get(requestId);
  const direct = stored === null ? await findDirectRead(deps, requestId) : null;
  const found = stored ?? direct?.item ?? null;
  // The requester and the policy's auditors may read a request; to anyone else it does not exist.
  if (found === null || !mayRead(deps.policy, principal, found.owner)) throw new AirlockError('ERR_NOT_FOUND', `request ${requestId} not found`);
  // A stored item is completed from the records and recovered if interrupted; a direct read, which keeps
  // no item, is read from its records, writing nothing (the first time, from those it was found with).
  const settle = async (item: RequestItem | null, read?: SessionRecord[]): Promise<{ item: RequestItem; outcome?: QueryOutcome | null }> =>
    item === null ? stateFromRecords(deps, found, read) : { item: await recoverIfInterrupted(deps, await completeFromRecords(deps, item, httpStatusOfOutcome)) };
  let now = await settle(stored, direct?.records);
  while (WAITING.includes(now.item.status) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, Math.min(250, Math.max(1, deadline - Date.now()))));
    now = await settle(await deps.requests.get(requestId));
  }
  return json(200, view(now.item, now.outcome !== undefined ? now.outcome : await loadOutcome(deps.records, now.item)));
}

/** How long after its id was minted a request not yet found is looked up again: DynamoDB's index lags its table (eventually consistent). */
const FRESH_ID_MS = 10_000;
const INDEX_LAG_RETRIES = [100, 250, 500, 1000];

/**
 * A direct read, from its write-ahead record. The records' `byRequest` index is eventually consistent
 * in DynamoDB, so an id minted in the last few seconds (a ULID carries its time) that is not found yet
 * is asked again for up to ~2 s before it counts as unknown.
 */
async function findDirectRead(deps: GetQueryDeps, requestId: string): ReturnType<typeof requestFromRecords> {
  let minted = Number.NaN;
  try {
    minted = decodeTime(requestId);
  } catch {
    // A well-formed id whose time part is out of range was never minted here: not fresh.
  }
  for (let attempt = 0; ; attempt++) {
    const found = await requestFromRecords(deps.records, requestId);
    const fresh = Math.abs(deps.clock.now().getTime() - minted) < FRESH_ID_MS;
    if (found !== null || !fresh || attempt >= INDEX_LAG_RETRIES.length) return found;
    await new Promise((r) => setTimeout(r, INDEX_LAG_RETRIES[attempt]));
  }
}

function parseWait(raw: string | undefined): number {
  if (raw === undefined) return 0;
  if (!/^\d{1,3}$/.test(raw) || Number(raw) > MAX_WAIT_SECONDS) {
    throw new AirlockError('ERR_VALIDATION', `waitSeconds must be a whole number from 0 to ${MAX_WAIT_SECONDS}`);
  }
  return Number(raw);
}

/** The body of GET /v1/queries/{requestId} (docs/interfaces.md). */
export interface QueryView {
  requestId: string;
  sessionId: string;
  status: RequestStatus;
  risk: Risk;
  approvalsRequired: number;
  sqlHash: string;
  votes: Array<{ slackUserId: string; email?: string; vote: 'approve' | 'deny'; at: string; reason?: string }>;
  expiresAt: string | null;
  decision?: NonNullable<ReturnType<typeof decisionOf>>;
  /** Once executed: the answer's body (the 200 of POST /v1/queries). */
  result?: OutcomeBody;
  error?: StatementError;
  reasons?: Reason[];
}

function view(item: RequestItem, outcome: QueryOutcome | null): QueryView {
  const out: QueryView = {
    requestId: item.requestId,
    sessionId: item.sessionId,
    // `running` is internal (the claim before execution); an approved request that is running is `approved` to clients.
    status: item.status === 'running' && item.approvalsRequired > 0 ? 'approved' : item.status,
    risk: item.risk,
    approvalsRequired: item.approvalsRequired,
    sqlHash: item.sqlHash,
    votes: item.votes.map((v) => ({ slackUserId: v.slackUserId, ...(v.email === undefined ? {} : { email: v.email }), vote: v.vote, at: v.at, ...(v.reason === undefined ? {} : { reason: v.reason }) })),
    expiresAt: item.expiresAt ?? null,
  };
  // The requester sees the outcome in words: who decided, and the denier's reason.
  const decision = decisionOf(item);
  if (decision !== null) out.decision = decision;
  const response = outcome ?? undefined;
  if (item.status === 'executed' && response?.body) out.result = response.body;
  const error = response === undefined ? undefined : outcomeError(response);
  if (item.status === 'failed' && error) out.error = error;
  const reasons = response !== undefined && 'reasons' in response.body ? response.body.reasons : undefined;
  if (item.status === 'denied' && reasons) out.reasons = reasons;
  return out;
}

/** Who decided and why, for a decided approval request; null while pending or when no vote decided it. */
export function decisionOf(item: RequestItem): { outcome: 'approved' | 'rejected' | 'expired'; by: string[]; reason?: string; at?: string } | null {
  if (item.approvalsRequired === 0 || item.status === 'pending_approval') return null;
  if (item.status === 'expired') return { outcome: 'expired', by: [], reason: `no decision before ${item.expiresAt ?? 'the deadline'}`, ...(item.decidedAt ? { at: item.decidedAt } : {}) };
  const denial = item.votes.find((v) => v.vote === 'deny');
  if (denial !== undefined) {
    return { outcome: 'rejected', by: [denial.email ?? denial.slackUserId], reason: denial.reason ?? 'no reason given', at: denial.at };
  }
  const approvals = item.votes.filter((v) => v.vote === 'approve');
  if (approvals.length < item.approvalsRequired) return null;
  return { outcome: 'approved', by: approvals.map((v) => v.email ?? v.slackUserId), ...(item.decidedAt ? { at: item.decidedAt } : {}) };
}
