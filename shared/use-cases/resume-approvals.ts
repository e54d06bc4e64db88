import type { ApprovalDeps } from './approval-deps.js';
import { expireApproval } from './expire-approval.js';
import { writeMissingVoteRecords } from './record-vote.js';
import { requestRecords } from './request-records.js';

export interface ResumeReport {
  reconciledVotes: number;
  resumed: string[];
  expired: string[];
}

/**
 * On start of a runtime whose workflows live in memory (local): first reconcile the chains
 * with the requests table (a vote counted on the request but never written to the chain, after
 * a crash between the two writes, is written now), then expire the pending requests whose time
 * has passed and re-run the others with the time they have left. The notify task is idempotent,
 * so approvers get no second message; an already-approved request goes straight to execution.
 *
 * @example
 * const report = await resumeApprovals(deps); // { reconciledVotes: 0, resumed: ['01J…'], expired: [] }
 */
export async function resumeApprovals(deps: ApprovalDeps): Promise<ResumeReport> {
  const report: ResumeReport = { reconciledVotes: 0, resumed: [], expired: [] };
  // A vote counted on the request whose chain record a crash kept out: written now, before anything runs.
  for (const status of ['pending_approval', 'approved', 'rejected'] as const) {
    for (const listed of await deps.requests.listByStatus(status)) {
      const item = await deps.requests.get(listed.requestId);
      if (item === null || item.status !== status) continue;
      const { votes } = await requestRecords(deps.records, item);
      const before = votes.length;
      if (await writeMissingVoteRecords(deps, item, votes)) report.reconciledVotes += item.votes.length - before;
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
