import { isAirlockError } from '../errors.js';
import { releaseApprovalSlot } from './approval-request-limits.js';
import { normalizeEmail } from '../identity/normalize-email.js';
import type { RequestItem, RequestStatus, Vote } from '../ports/request-store.js';
import type { SessionRecord } from '../records/types.js';
import type { ApprovalDeps } from './approval-deps.js';
import { approverIdentity, matchRequester, type ApproverIdentity } from './approver-identity.js';
import { appendRecord } from './append-record.js';
import { requestRecords } from './request-records.js';
import { withRequestLock } from './request-lock.js';
import { updateApprovalMessage } from './update-approval-message.js';
import type { ApprovalRefusedBody, ApprovalVoteBody } from '../records/record-body.js';
import { rememberBounded } from '../bounded-cache.js';

/** What a vote reads and writes: no warehouse, no masking key (the interactions function is deployed without them). */
export type RecordVoteDeps = Pick<ApprovalDeps, 'requests' | 'records' | 'signer' | 'clock' | 'policy' | 'directory' | 'workflow' | 'notifier' | 'log'>;

export interface VoteInput {
  requestId: string;
  slackUserId: string;
  vote: 'approve' | 'deny';
  reason?: string;
  /** The SQL hash on the button the approver clicked; a vote for other SQL is refused. */
  sqlHash?: string;
}

/** `recorded` codes first, then the refusals (docs/interfaces.md: the CLI exits 0 / 1 on them). */
export type VoteCode =
  | 'vote_recorded'
  | 'approved'
  | 'rejected'
  | 'unknown_request'
  | 'already_decided'
  | 'expired'
  | 'not_an_approver'
  | 'self_approval'
  | 'requester_unlinked'
  | 'already_voted'
  | 'sql_changed';

export interface VoteResult {
  recorded: boolean;
  code: VoteCode;
  status: RequestStatus | null;
  message: string;
}

const MAX_CLAIM_ATTEMPTS = 100;
/** A flood of refused clicks from one user on one request is recorded once per this window. */
export const REFUSAL_RECORD_WINDOW_MS = 60_000;
const MAX_REASON = 2000;

function refused(code: VoteCode, status: RequestStatus | null, message: string): VoteResult {
  return { recorded: false, code, status, message };
}

/**
 * One click on Approve / Deny. Checks, in order: the request is pending and not past its
 * deadline, the user is an approver, is not the requester by any spelling of an identity
 * (`matchRequester`), has not voted, and saw this SQL. A click that passes is claimed on the
 * request with a compare-and-swap on its vote list (status still `pending_approval`): of
 * simultaneous votes each lands once, exactly one can decide, and none lands on a decided request.
 * Only then is it written to the chain as `approval.granted` / `approval.rejected`, with the count
 * the claim produced (`votesFor`), and only then does the deciding vote resume the workflow: no
 * request runs on a vote the chain does not show. A click that fails a check is written as
 * `approval.refused` (who, why), at most once per user and request per minute.
 * A crash between the claim and the record leaves a counted vote without its record: the same
 * user's next click, or `resumeApprovals` on start, writes it (`writeMissingVoteRecords`).
 *
 * @example
 * const r = await recordVote(deps, { requestId, slackUserId: 'UAPPROVER1', vote: 'approve' });
 * // { recorded: true, code: 'vote_recorded', status: 'pending_approval', … }
 */
export async function recordVote(deps: RecordVoteDeps, input: VoteInput): Promise<VoteResult> {
  // A double click or a Slack retry racing the first delivery: one at a time per user and request.
  // Per process only; across processes the compare-and-swap still counts one vote per person.
  const key = `${input.requestId}#${input.slackUserId}`;
  let inFlight = votesInFlight.get(deps.requests);
  if (inFlight === undefined) votesInFlight.set(deps.requests, (inFlight = new Set()));
  if (inFlight.has(key)) return refused('already_voted', null, `${input.slackUserId} has a vote on this request in progress`);
  inFlight.add(key);
  try {
    return await castVote(deps, input);
  } finally {
    inFlight.delete(key);
  }
}

const votesInFlight = new WeakMap<object, Set<string>>();

async function castVote(deps: RecordVoteDeps, input: VoteInput): Promise<VoteResult> {
  const item = await deps.requests.get(input.requestId);
  if (item === null) return refused('unknown_request', null, `request ${input.requestId} not found`);
  const recs = await requestRecords(deps.records, item);
  const refuse = async (code: VoteCode, status: RequestStatus | null, message: string, who?: ApproverIdentity): Promise<VoteResult> => {
    await recordRefusal(deps, item, input, code, message, recs.refused, who);
    return refused(code, status, message);
  };

  const closed = closedCode(deps, item);
  if (closed !== null) return refuse(closed.code, item.status, closed.message);
  const who = await approverIdentity(deps.policy, deps.directory, input.slackUserId);
  if (!who.authorized) return refuse('not_an_approver', item.status, `${input.slackUserId} is not an approver`);
  const match = matchRequester(deps.policy, recs.requested.actor, { slackUserId: input.slackUserId, emails: who.emails, idp: who.idp });
  if (match.kind === 'self') return refuse('self_approval', item.status, `the requester cannot approve their own request (same person by ${match.via})`, who);
  if (match.kind === 'unlinked') return refuse('requester_unlinked', item.status, match.message, who);
  const mine = item.votes.find((v) => sameVoter(deps, v, input.slackUserId, who));
  if (mine !== undefined) {
    // A counted vote whose record a crash kept out of the chain: write it now (and resume if it decided).
    if (await writeMissingVoteRecords(deps, item, recs.votes)) {
      if (item.status === 'approved' || item.status === 'rejected') await resume(deps, item, item.status);
      return refused('already_voted', item.status, `${input.slackUserId} has already voted on this request (its record is now written)`);
    }
    return refuse('already_voted', item.status, `${input.slackUserId} has already voted on this request`, who);
  }
  if (input.sqlHash !== undefined && input.sqlHash !== item.sqlHash) {
    return refuse('sql_changed', item.status, 'the SQL on this message is not the SQL of the request', who);
  }

  const email = who.emails[0];
  const vote: Vote = { slackUserId: input.slackUserId, vote: input.vote, at: deps.clock.now().toISOString(), ...(email === undefined ? {} : { email }) };
  vote.identities = identitiesOf(deps, who.emails, who);
  const reason = input.reason?.trim().slice(0, MAX_REASON);
  if (reason !== undefined && reason !== '') vote.reason = reason;
  return claimVote(deps, item, vote, who, async (code, status, message) => {
    const fresh = await requestRecords(deps.records, item);
    await recordRefusal(deps, item, input, code, message, fresh.refused, who);
    return refused(code, status, message);
  });
}

/** The request no longer takes votes: decided, or past its deadline (the timer has not fired yet). */
function closedCode(deps: RecordVoteDeps, item: RequestItem): { code: VoteCode; message: string } | null {
  if (item.status === 'expired') return { code: 'expired', message: `request ${item.requestId} expired without a decision` };
  if (item.status !== 'pending_approval') return { code: 'already_decided', message: `request ${item.requestId} is already ${item.status}` };
  if (item.expiresAt !== undefined && Date.parse(item.expiresAt) <= deps.clock.now().getTime()) {
    return { code: 'expired', message: `request ${item.requestId} expired at ${item.expiresAt}` };
  }
  return null;
}

/** Every identity of a voter, normalised, for "each person counts once". */
function identitiesOf(deps: RecordVoteDeps, emails: string[], who?: ApproverIdentity): string[] {
  const domains = deps.policy.approval.subaddressDomains;
  const ids = new Set<string>();
  for (const e of emails) {
    const n = normalizeEmail(e, domains);
    if (n !== null) ids.add(n);
  }
  for (const i of who?.idp ?? []) ids.add(`idp:${i.iss.trim().replace(/\/+$/, '')}#${i.sub.trim()}`);
  return [...ids];
}

function sameVoter(deps: RecordVoteDeps, v: Vote, slackUserId: string, who: ApproverIdentity): boolean {
  if (v.slackUserId === slackUserId) return true;
  const theirs = new Set([...(v.identities ?? []), ...identitiesOf(deps, v.email === undefined ? [] : [v.email])]);
  return identitiesOf(deps, who.emails, who).some((id) => theirs.has(id));
}

type Refuse = (code: VoteCode, status: RequestStatus | null, message: string) => Promise<VoteResult>;

async function claimVote(deps: RecordVoteDeps, first: RequestItem, vote: Vote, who: ApproverIdentity, refuse: Refuse): Promise<VoteResult> {
  let cur: RequestItem | null = first;
  for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS && cur !== null; attempt++) {
    const closed = closedCode(deps, cur);
    if (closed !== null) return refuse(closed.code, cur.status, closed.message);
    if (cur.votes.some((v) => sameVoter(deps, v, vote.slackUserId, who))) return refuse('already_voted', cur.status, `${vote.slackUserId} has already voted`);
    const votes = [...cur.votes, vote];
    const approvals = votes.filter((v) => v.vote === 'approve').length;
    const status: RequestStatus = vote.vote === 'deny' ? 'rejected' : approvals >= cur.approvalsRequired ? 'approved' : 'pending_approval';
    const patch: Partial<RequestItem> = { votes, status, ...(status === 'pending_approval' ? {} : { decidedAt: deps.clock.now().toISOString() }) };
    const claimed = cur;
    const won = await withRequestLock(deps.requests, claimed.requestId, async () => {
      if (!(await deps.requests.transitionVotes(claimed.requestId, ['pending_approval'], claimed.votes, patch))) return false;
      // Counted: now the evidence, with the count this claim produced. Only then may anything run.
      await appendVoteRecord(deps, claimed, vote, approvals, votes.length);
      return true;
    });
    if (won) {
      const after: RequestItem = (await deps.requests.get(cur.requestId)) ?? { ...cur, ...patch };
      if (status !== 'pending_approval') {
        // Decided: the requester's pending slot is free again (idempotent; a failure here is pruned at the next refusal).
        await releaseApprovalSlot(deps, after.owner, after.requestId).catch((e: unknown) =>
          deps.log?.('warn', 'pending slot release failed', { requestId: after.requestId, err: e instanceof Error ? e.message : String(e) }),
        );
        await resume(deps, after, status === 'approved' ? 'approved' : 'rejected');
      }
      await updateApprovalMessage(deps, after);
      const code: VoteCode = status === 'approved' ? 'approved' : status === 'rejected' ? 'rejected' : 'vote_recorded';
      return { recorded: true, code, status, message: `vote recorded: ${approvals}/${cur.approvalsRequired} approvals` };
    }
    cur = await deps.requests.get(cur.requestId);
  }
  return refuse('already_decided', cur?.status ?? null, 'the request changed too often while voting; try again');
}

async function appendVoteRecord(deps: RecordVoteDeps, item: RequestItem, vote: Vote, votesFor: number, position: number): Promise<SessionRecord> {
  const body: ApprovalVoteBody = { sqlHash: item.sqlHash, votesFor, approvalsRequired: item.approvalsRequired, position };
  if (vote.reason !== undefined) body.reason = vote.reason;
  const appended = await appendRecord(deps, {
    sessionId: item.sessionId,
    requestId: item.requestId,
    type: vote.vote === 'approve' ? 'approval.granted' : 'approval.rejected',
    actor: { kind: 'approver', slackUserId: vote.slackUserId, ...(vote.email === undefined ? {} : { email: vote.email }) },
    body,
  });
  return appended.record;
}

/**
 * Writes the chain records of votes counted on the request but missing from the chain (a crash
 * between the claim and the append), each with the count it produced in the item's vote order.
 * Returns whether anything was written.
 *
 * @example
 * await writeMissingVoteRecords(deps, item, (await requestRecords(deps.records, item)).votes);
 */
export async function writeMissingVoteRecords(deps: RecordVoteDeps, item: RequestItem, inChain: SessionRecord[]): Promise<boolean> {
  const have = new Set(inChain.map((r) => r.actor.slackUserId));
  let approvals = 0;
  let wrote = false;
  for (const [i, v] of item.votes.entries()) {
    if (v.vote === 'approve') approvals += 1;
    if (have.has(v.slackUserId)) continue;
    await appendVoteRecord(deps, item, v, approvals, i + 1);
    wrote = true;
  }
  return wrote;
}

// Per process: the chain check below is the durable one; this spares the chain read of a flood.
const lastRefusal = new WeakMap<object, Map<string, { at: number; suppressed: number }>>();

/** `approval.refused`, unless this user's refused click on this request was recorded less than a minute ago. */
async function recordRefusal(
  deps: RecordVoteDeps,
  item: RequestItem,
  input: VoteInput,
  code: VoteCode,
  message: string,
  earlier: SessionRecord[],
  who?: ApproverIdentity,
): Promise<void> {
  const now = deps.clock.now().getTime();
  let seen = lastRefusal.get(deps.records);
  if (seen === undefined) lastRefusal.set(deps.records, (seen = new Map()));
  const key = `${item.requestId}#${input.slackUserId}`;
  const last = seen.get(key);
  const inChain = earlier.filter((r) => r.actor.slackUserId === input.slackUserId).map((r) => Date.parse(r.at));
  const lastAt = Math.max(last?.at ?? -Infinity, ...inChain);
  if (now - lastAt < REFUSAL_RECORD_WINDOW_MS) {
    seen.set(key, { at: lastAt, suppressed: (last?.suppressed ?? 0) + 1 });
    return;
  }
  const body: ApprovalRefusedBody = { code, message, vote: input.vote, sqlHash: item.sqlHash, status: item.status };
  if (input.sqlHash !== undefined && input.sqlHash !== item.sqlHash) body.clickedSqlHash = input.sqlHash;
  if (last !== undefined && last.suppressed > 0) body.suppressedBefore = last.suppressed;
  const email = who?.emails[0];
  try {
    await appendRecord(deps, {
      sessionId: item.sessionId,
      requestId: item.requestId,
      type: 'approval.refused',
      actor: { kind: 'approver', slackUserId: input.slackUserId, ...(email === undefined ? {} : { email }) },
      body,
    });
    rememberBounded(seen, key, { at: now, suppressed: 0 }, 10_000);
  } catch (e) {
    // The click is refused either way; a refusal that cannot be recorded must not turn into a 500 loop.
    deps.log?.('error', 'could not record a refused approval click', { requestId: item.requestId, code, err: e instanceof Error ? e.message : String(e) });
  }
}

/** Ends the wait. When the token is not stored yet, the notify task sees the decided status itself. */
async function resume(deps: RecordVoteDeps, item: RequestItem, decision: 'approved' | 'rejected'): Promise<void> {
  if (item.taskToken === undefined) return;
  try {
    await deps.workflow.sendTaskSuccess(item.taskToken, { decision });
  } catch (e) {
    // The wait timed out a moment earlier: the expiry task takes the request (approved → expired).
    if (isAirlockError(e) && e.code === 'ERR_APPROVAL_CLOSED') {
      deps.log?.('warn', 'approval decided after its wait ended', { requestId: item.requestId, decision });
      return;
    }
    // The vote is recorded and claimed; failing the click now would only make Slack retry a vote that
    // already counts. The wait then ends by its timeout (approved → expired): fail closed, nothing runs.
    deps.log?.('error', 'could not resume the approval workflow', { requestId: item.requestId, decision, err: e instanceof Error ? e.message : String(e) });
  }
}
