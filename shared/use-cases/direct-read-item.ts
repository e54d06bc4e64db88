import { AirlockError, isAirlockError } from '../errors.js';
import type { RecordStore } from '../ports/record-store.js';
import type { RequestItem, RequestStore } from '../ports/request-store.js';
import type { QueryRequestedBody } from '../records/record-body.js';
import type { QueryOutcome } from '../ports/query-outcome.js';
import type { SessionRecord } from '../records/types.js';
import { identityKey } from '../identity/principal.js';
import { isInterrupted, type RecoverInterruptedDeps } from './recover-interrupted.js';
import { finalState, outcomeFromRecords } from './stored-outcome.js';
import { httpStatusOfOutcome } from './submit-query.js';

/**
 * A direct read (a statement the policy allows, sent without an idempotency key) writes two things:
 * its write-ahead `query.requested` and its outcome record. It keeps no request item; its records are
 * its state. `requestFromRecords` finds it from its id (the records' `byRequest` index) and
 * `stateFromRecords` tells how it stands from the chain, writing nothing (a reader such as
 * `GET /v1/queries/{id}` needs no write grant on the requests table for it).
 */

/**
 * Stores a direct read's item when one is needed after all (its outcome record could not be written:
 * `outcome_unknown`): put if absent; if it exists `running` (a keyed read), moves it to that state.
 *
 * @example
 * await settleDirectRead(deps.requests, { ...item, status: 'outcome_unknown', httpStatus: 503, response });
 */
export async function settleDirectRead(requests: Pick<RequestStore, 'put' | 'transition'>, item: RequestItem): Promise<void> {
  try {
    await requests.put(item);
  } catch (e) {
    if (!isAirlockError(e) || e.code !== 'ERR_REQUEST_EXISTS') throw e;
    const { requestId: _id, ...patch } = item;
    await requests.transition(item.requestId, ['running'], patch);
  }
}

/**
 * The item a direct read implies, rebuilt from its signed write-ahead record (`running`, not stored),
 * with the records read for it (its session from the write-ahead record on: `stateFromRecords` needs
 * no second read) — or null when the id names no direct read on record (no `query.requested`, or one
 * the policy sent to approval or denied: those requests store their item before they answer).
 *
 * @example
 * const found = await requestFromRecords(records, id); // then, once the reader may see it: stateFromRecords(deps, found.item, found.records)
 */
export async function requestFromRecords(records: RecordStore, requestId: string): Promise<{ item: RequestItem; records: SessionRecord[] } | null> {
  const at = await records.requested(requestId);
  if (at === null) return null;
  const read = (await records.list(at.sessionId, at.seq)).map((l) => JSON.parse(l) as SessionRecord);
  const requested = read.find((r) => r.seq === at.seq && r.requestId === requestId && r.type === 'query.requested');
  if (requested === undefined) throw new AirlockError('ERR_RECORD_MISSING', `the write-ahead record of request ${requestId} is missing`);
  // A signed record of our own chain: its body is the `query.requested` body Airlock wrote (record-body.ts).
  const body = requested.body as QueryRequestedBody;
  const { actor } = requested;
  if (body.decision.outcome !== 'allow' || actor.kind !== 'agent' || actor.iss === undefined || actor.sub === undefined) return null;
  const item: RequestItem = {
    requestId,
    sessionId: at.sessionId,
    owner: identityKey({ iss: actor.iss, sub: actor.sub }),
    status: 'running',
    risk: body.risk,
    sql: body.sql,
    sqlHash: body.sqlHash,
    prompt: body.prompt,
    createdAt: requested.at,
    approvalsRequired: 0,
    votes: [],
    requestedSeq: at.seq,
    runningSince: requested.at,
  };
  return { item, records: read };
}

/**
 * The state of a direct read that has no request item yet (rebuilt by `requestFromRecords`), from its
 * records alone — nothing is written: its outcome record (or reconcile's `query.reconciled`) if the
 * chain holds one; `outcome_unknown` if its execution is dead (`isInterrupted`); else still `running`.
 * `read`: the session's records from the write-ahead record on, when just read (else they are read now).
 *
 * @example
 * const { item, outcome } = await stateFromRecords({ records, clock, policy }, found.item); // item.status === 'executed'
 */
export async function stateFromRecords(
  deps: { records: RecordStore } & Pick<RecoverInterruptedDeps, 'clock' | 'policy' | 'executionsSince'>,
  item: RequestItem,
  read?: SessionRecord[],
): Promise<{ item: RequestItem; outcome: QueryOutcome | null }> {
  const records = read ?? (await deps.records.list(item.sessionId, item.requestedSeq)).map((l) => JSON.parse(l) as SessionRecord);
  const found = outcomeFromRecords(item, records);
  if (found !== null) {
    const { outcome } = found;
    return { item: { ...item, ...finalState(outcome, httpStatusOfOutcome(outcome)) }, outcome };
  }
  return { item: isInterrupted(deps, item) ? { ...item, status: 'outcome_unknown' } : item, outcome: null };
}
