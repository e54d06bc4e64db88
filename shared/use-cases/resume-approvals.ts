import type { ApprovalDeps } from './approval-deps.js';
import { expireApproval } from './expire-approval.js';
import { recordVote } from './record-vote.js';
import { requestRecords } from './request-records.js';

export interface ResumeReport {
  reconciledVotes: number;
  resumed: string[];
  expired: string[];
}

/**
 * On start of a runtime whose workflows live in memory (local): first reconcile the requests
 * table from the chains (a vote recorded in the chain but never claimed on the request, after
 * a crash between the two writes, is claimed now), then expire the pending requests whose time
 * has passed and re-run the others with the time they have left. The notify task is idempotent,
 * so approvers get no second message; an already-approved request goes straight to execution.
 *
 * @example
 * const report = await resumeApprovals(deps); // { reconciledVotes: 0, resumed: ['01J…'], expired: [] }
 */
export async function resumeApprovals(deps: ApprovalDeps): Promise<ResumeReport> {
  const report: ResumeReport = { reconciledVotes: 0, resumed: [], expired: [] };
  for (const listed of await deps.requests.listByStatus('pending_approval')) {
    const item = await deps.requests.get(listed.requestId);
    if (item === null || item.status !== 'pending_approval') continue;
    const { votes } = await requestRecords(deps.records, item);
    for (const rec of votes) {
      const slackUserId = rec.actor.slackUserId;
      if (slackUserId === undefined || item.votes.some((v) => v.slackUserId === slackUserId)) continue;
      const r = await recordVote(deps, { requestId: item.requestId, slackUserId, vote: rec.type === 'approval.granted' ? 'approve' : 'deny' });
      if (r.recorded) report.reconciledVotes += 1;
    }
  }
  const now = deps.clock.now().getTime();
  for (const listed of await deps.requests.listByStatus('pending_approval')) {
    const left = Math.ceil((Date.parse(listed.expiresAt ?? '') - now) / 1000);
    if (!(left > 0)) {
      if (await expireApproval(deps, listed.requestId)) report.expired.push(listed.requestId);
      continue;
    }
    await deps.workflow.start({ requestId: listed.requestId, timeoutSeconds: left });
    report.resumed.push(listed.requestId);
  }
  // Approved, but the execution that would run it died with the process: notify sees `approved` and goes on.
  for (const listed of await deps.requests.listByStatus('approved')) {
    await deps.workflow.start({ requestId: listed.requestId, timeoutSeconds: 1 });
    report.resumed.push(listed.requestId);
  }
  return report;
}
