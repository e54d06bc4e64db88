import { isAirlockError } from '../errors.js';
import type { RequestItem, RequestStatus, Vote } from '../ports/request-store.js';
import type { ApprovalDeps } from './approval-deps.js';
import { approverIdentity, isRequester } from './approver-identity.js';
import { appendRecord } from './append-record.js';
import { requestRecords } from './request-records.js';
import { updateApprovalMessage } from './update-approval-message.js';
import type { ApprovalVoteBody } from '../records/record-body.js';

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
  | 'not_an_approver'
  | 'self_approval'
  | 'already_voted'
  | 'sql_changed';

export interface VoteResult {
  recorded: boolean;
  code: VoteCode;
  status: RequestStatus | null;
  message: string;
}

const MAX_CLAIM_ATTEMPTS = 100;

function refused(code: VoteCode, status: RequestStatus | null, message: string): VoteResult {
  return { recorded: false, code, status, message };
}

function sameVoter(v: Vote, slackUserId: string, emails: string[]): boolean {
  return v.slackUserId === slackUserId || (v.email !== undefined && emails.includes(v.email.toLowerCase()));
}

/**
 * One click on Approve / Deny. Checks, in order: the request is pending, the user is an
 * approver, not the requester, has not voted, and saw this SQL. Then the vote goes to the
 * session chain FIRST (`approval.granted` / `approval.rejected`, the evidence), and is claimed on
 * the request with a compare-and-swap on its vote list: of simultaneous votes each lands once,
 * and exactly one can be the vote that decides. The deciding vote resumes the workflow.
 * There are no transactions: a crash between the two writes leaves a vote in the chain only,
 * which `reconcileApprovals` (on start) or the same user's next click claims without a second record.
 *
 * @example
 * const r = await recordVote(deps, { requestId, slackUserId: 'UAPPROVER1', vote: 'approve' });
 * // { recorded: true, code: 'vote_recorded', status: 'pending_approval', … }
 */
export async function recordVote(deps: ApprovalDeps, input: VoteInput): Promise<VoteResult> {
  // A double click or a Slack retry racing the first delivery: without this, both would pass the
  // "has not voted" check and append two vote records (the request would still count one).
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

async function castVote(deps: ApprovalDeps, input: VoteInput): Promise<VoteResult> {
  const item = await deps.requests.get(input.requestId);
  if (item === null) return refused('unknown_request', null, `request ${input.requestId} not found`);
  if (item.status !== 'pending_approval') return refused('already_decided', item.status, `request ${input.requestId} is already ${item.status}`);
  const who = await approverIdentity(deps.policy, deps.directory, input.slackUserId);
  if (!who.authorized) return refused('not_an_approver', item.status, `${input.slackUserId} is not an approver`);
  const { requested, votes: voteRecords } = await requestRecords(deps.records, item);
  if (isRequester(requested.actor, { slackUserId: input.slackUserId, emails: who.emails })) {
    return refused('self_approval', item.status, 'the requester cannot approve their own request');
  }
  if (item.votes.some((v) => sameVoter(v, input.slackUserId, who.emails))) {
    return refused('already_voted', item.status, `${input.slackUserId} has already voted on this request`);
  }
  if (input.sqlHash !== undefined && input.sqlHash !== item.sqlHash) {
    return refused('sql_changed', item.status, 'the SQL on this message is not the SQL of the request');
  }

  // A vote already in the chain but not on the request (crash between the writes) is claimed, not written twice.
  const inChain = voteRecords.find((r) => r.actor.slackUserId === input.slackUserId);
  const email = who.emails[0];
  let vote: Vote;
  if (inChain !== undefined) {
    vote = { slackUserId: input.slackUserId, vote: inChain.type === 'approval.granted' ? 'approve' : 'deny', at: inChain.at };
    if (inChain.actor.email !== undefined) vote.email = inChain.actor.email;
  } else {
    const votesFor = item.votes.filter((v) => v.vote === 'approve').length + (input.vote === 'approve' ? 1 : 0);
    const body: ApprovalVoteBody = { sqlHash: item.sqlHash, votesFor, approvalsRequired: item.approvalsRequired };
    if (input.reason !== undefined && input.reason !== '') body.reason = input.reason.slice(0, 2000);
    const appended = await appendRecord(deps, {
      sessionId: item.sessionId,
      requestId: item.requestId,
      type: input.vote === 'approve' ? 'approval.granted' : 'approval.rejected',
      actor: { kind: 'approver', slackUserId: input.slackUserId, ...(email === undefined ? {} : { email }) },
      body,
    });
    vote = { slackUserId: input.slackUserId, vote: input.vote, at: appended.record.at, ...(email === undefined ? {} : { email }) };
  }
  return claimVote(deps, item, vote, who.emails);
}

async function claimVote(deps: ApprovalDeps, first: RequestItem, vote: Vote, emails: string[]): Promise<VoteResult> {
  let cur: RequestItem | null = first;
  for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS && cur !== null; attempt++) {
    if (cur.status !== 'pending_approval') return refused('already_decided', cur.status, `request ${cur.requestId} is already ${cur.status}`);
    if (cur.votes.some((v) => sameVoter(v, vote.slackUserId, emails))) return refused('already_voted', cur.status, `${vote.slackUserId} has already voted`);
    const votes = [...cur.votes, vote];
    const approvals = votes.filter((v) => v.vote === 'approve').length;
    const status: RequestStatus = vote.vote === 'deny' ? 'rejected' : approvals >= cur.approvalsRequired ? 'approved' : 'pending_approval';
    const patch: Partial<RequestItem> = { votes, status, ...(status === 'pending_approval' ? {} : { decidedAt: deps.clock.now().toISOString() }) };
    if (await deps.requests.transitionVotes(cur.requestId, ['pending_approval'], cur.votes, patch)) {
      const after = (await deps.requests.get(cur.requestId)) ?? { ...cur, ...patch };
      if (status !== 'pending_approval') await resume(deps, after, status === 'approved' ? 'approved' : 'rejected');
      await updateApprovalMessage(deps, after);
      const code: VoteCode = status === 'approved' ? 'approved' : status === 'rejected' ? 'rejected' : 'vote_recorded';
      return { recorded: true, code, status, message: `vote recorded: ${approvals}/${cur.approvalsRequired} approvals` };
    }
    cur = await deps.requests.get(cur.requestId);
  }
  return refused('already_decided', cur?.status ?? null, 'the request changed too often while voting; try again');
}

/** Ends the wait. When the token is not stored yet, the notify task sees the decided status itself. */
async function resume(deps: ApprovalDeps, item: RequestItem, decision: 'approved' | 'rejected'): Promise<void> {
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
