import { AirlockError } from '../errors.js';
import { appendRecord, type AppendRecordDeps } from './append-record.js';
import type { OutcomeBase, QueryOutcome } from '../ports/query-outcome.js';
import type { SubmitQueryDeps } from './submit-query.js';
import type { StatementError } from '../records/record-body.js';

export type StartApprovalWorkflowDeps = AppendRecordDeps & Pick<SubmitQueryDeps, 'requests' | 'workflow'>;

/**
 * Starts the approval wait. If it cannot be started the request fails visibly — `query.failed` with
 * ERR_WORKFLOW_UNAVAILABLE, 503 — instead of waiting forever with nobody notified and no expiry.
 *
 * @example
 * await startApprovalWorkflow(deps, { requestId, sessionId, sqlHash, base, timeoutSeconds: 3600 });
 */
export async function startApprovalWorkflow(
  deps: StartApprovalWorkflowDeps,
  a: { requestId: string; sessionId: string; sqlHash: string; base: OutcomeBase; timeoutSeconds: number },
): Promise<void> {
  if (deps.workflow === undefined) return;
  try {
    await deps.workflow.start({ requestId: a.requestId, timeoutSeconds: a.timeoutSeconds });
  } catch (cause) {
    const error: StatementError = { code: 'ERR_WORKFLOW_UNAVAILABLE', message: 'the approval workflow could not be started; the statement will not run. Submit it again.' };
    const failed: QueryOutcome = { kind: 'failed', body: { ...a.base, status: 'failed', error } };
    if (await deps.requests.transition(a.requestId, ['pending_approval'], { status: 'failed', httpStatus: 503, response: failed })) {
      await appendRecord(deps, { sessionId: a.sessionId, requestId: a.requestId, type: 'query.failed', actor: { kind: 'system' }, body: { sqlHash: a.sqlHash, error } });
    }
    throw new AirlockError('ERR_WORKFLOW_UNAVAILABLE', error.message, { cause });
  }
}
