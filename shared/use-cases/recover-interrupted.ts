import type { Clock } from '../ports/clock.js';
import type { RequestItem, RequestStore } from '../ports/request-store.js';
import type { Policy } from '../policy/policy.js';
import type { RecordStore } from '../ports/record-store.js';
import { completeFromRecords } from './stored-outcome.js';
import { httpStatusOfOutcome } from './submit-query.js';

/**
 * How long past its statement timeout a `running` request is given before it counts as
 * interrupted: the longest function that executes SQL (ExecuteApprovedQuery, 120 s) is dead by
 * then whatever the statement timeout, so a live execution is never taken for a dead one.
 */
export const RECOVERY_MARGIN_SECONDS = 120;

export interface RecoverInterruptedDeps {
  requests: Pick<RequestStore, 'get' | 'listByStatus' | 'transition'>;
  /**
   * The session records: a direct read's final item transition is written off its critical path, so a
   * `running` item whose chain already holds its outcome is completed from it, not taken for interrupted.
   */
  records?: RecordStore;
  clock: Clock;
  policy: Pick<Policy, 'limits'>;
  log?: (level: 'error' | 'warn' | 'info', msg: string, fields?: Record<string, unknown>) => void;
  /**
   * Where every execution lives in this process (the local runtime): when it started, ms since epoch.
   * A request `running` since before then is interrupted whatever its timeout — its execution died
   * with the process before. Absent in AWS, where executions live in other containers.
   */
  executionsSince?: number;
}

/**
 * Which `running` requests to take: `all` when no execution can still be alive (the local
 * runtime at start: executions lived in the process that died), `stale` when others may still
 * be running (AWS: only those past their statement timeout plus the margin).
 */
export type RecoverScope = 'all' | 'stale';

/** When a `running` request counts as interrupted (ms since epoch): its statement timeout plus the margin after it started running. */
export function interruptedAfter(policy: Pick<Policy, 'limits'>, item: RequestItem): number {
  // Items written before `runningSince` existed: the claim came after creation (direct) or the decision (approval).
  const since = Date.parse(item.runningSince ?? item.decidedAt ?? item.createdAt);
  return since + (policy.limits.statementTimeoutSeconds + RECOVERY_MARGIN_SECONDS) * 1000;
}

/**
 * Whether a `running` request's execution is dead: past its statement timeout plus the margin, or
 * (where every execution lives in this process) running since before the process started.
 */
export function isInterrupted(deps: Pick<RecoverInterruptedDeps, 'clock' | 'policy' | 'executionsSince'>, item: RequestItem): boolean {
  const diedWithItsProcess = deps.executionsSince !== undefined && Date.parse(item.runningSince ?? item.decidedAt ?? item.createdAt) < deps.executionsSince;
  return diedWithItsProcess || deps.clock.now().getTime() > interruptedAfter(deps.policy, item);
}

/**
 * One `running` request: if it is interrupted (its execution died between running the statement
 * and recording the outcome), claims it `running → outcome_unknown` — the chain holds
 * `query.requested` and perhaps `query.executed`, the request says nobody knows — and returns the
 * request as it is now. A request still within its time, or no longer `running`, is returned as read.
 *
 * @example
 * const item = await recoverIfInterrupted(deps, await deps.requests.get(id)); // item.status === 'outcome_unknown' once stale
 */
export async function recoverIfInterrupted(deps: RecoverInterruptedDeps, item: RequestItem, scope: RecoverScope = 'stale'): Promise<RequestItem> {
  if (item.status !== 'running') return item;
  if (scope === 'stale' && !isInterrupted(deps, item)) return item;
  if (deps.records !== undefined) {
    const done = await completeFromRecords({ records: deps.records, requests: deps.requests }, item, httpStatusOfOutcome);
    if (done.status !== 'running') return done;
  }
  // Conditional on `running`: an execution that finished meanwhile keeps its outcome.
  if (await deps.requests.transition(item.requestId, ['running'], { status: 'outcome_unknown' })) {
    deps.log?.('warn', 'request interrupted between execution and its outcome: outcome unknown', { requestId: item.requestId, sessionId: item.sessionId });
  }
  return (await deps.requests.get(item.requestId)) ?? item;
}

/**
 * Every interrupted `running` request → `outcome_unknown`. The local runtime calls it at start
 * with `all`; in AWS a schedule calls it with `stale` (and `GET /v1/queries/{id}` recovers the one
 * request it reads). Returns the ids it recovered.
 *
 * @example
 * const { recovered } = await recoverInterrupted(deps, 'stale'); // ['01J…']
 */
export async function recoverInterrupted(deps: RecoverInterruptedDeps, scope: RecoverScope): Promise<{ checked: number; recovered: string[] }> {
  const recovered: string[] = [];
  const listed = await deps.requests.listByStatus('running');
  for (const entry of listed) {
    // The status index is eventually consistent: act on the request as it is now.
    const item = await deps.requests.get(entry.requestId);
    if (item === null || item.status !== 'running') continue;
    const after = await recoverIfInterrupted(deps, item, scope);
    if (after.status === 'outcome_unknown') recovered.push(item.requestId);
  }
  return { checked: listed.length, recovered };
}
