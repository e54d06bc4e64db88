import { AirlockError, isAirlockError } from '../errors.js';
import type { RecordStore } from '../ports/record-store.js';
import type { RequestItem, RequestStore } from '../ports/request-store.js';
import type { QueryRequestedBody } from '../records/record-body.js';
import type { SessionRecord } from '../records/types.js';
import { identityKey } from '../identity/principal.js';

/**
 * A direct read (a statement the policy allows, sent without an idempotency key) writes two things
 * before it answers: its write-ahead `query.requested` and its outcome record. Its request item is
 * written once, after the answer, in its final state (`settleDirectRead`). Until it lands — or if
 * it never does, because the process died — the request is found from its records:
 * `requestFromRecords` reads the write-ahead record by request id (the records' `byRequest` index)
 * and stores the item it implies, `running`, so the readers that follow (completion from the
 * records, recovery into `outcome_unknown`) work on it as on any other item.
 */

/**
 * Stores a direct read's final item, off its critical path: put if absent; if a reader already
 * stored it `running` (from the records, in between), moves it from `running` to the final state.
 *
 * @example
 * inBackground(settleDirectRead(deps.requests, { ...item, status: 'executed', httpStatus: 200, response }));
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
 * The item a direct read implies, rebuilt from its signed write-ahead record (`running`, not stored)
 * — or null when the id names no direct read on record (no `query.requested`, or one the policy sent
 * to approval or denied: those requests store their item before they answer).
 *
 * @example
 * const found = await requestFromRecords(records, id); // then, once the reader may see it: storeFound(requests, found)
 */
export async function requestFromRecords(records: RecordStore, requestId: string): Promise<RequestItem | null> {
  const at = await records.requested(requestId);
  if (at === null) return null;
  const lines = await records.list(at.sessionId, at.seq);
  const requested = lines.map((l) => JSON.parse(l) as SessionRecord).find((r) => r.seq === at.seq && r.requestId === requestId && r.type === 'query.requested');
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
  return item;
}

/**
 * Stores an item rebuilt by `requestFromRecords` (put if absent) and returns the request as it is
 * now: the read's own final item, or another reader's, may have landed meanwhile — that one is the truth.
 */
export async function storeFound(requests: Pick<RequestStore, 'get' | 'put'>, item: RequestItem): Promise<RequestItem> {
  try {
    await requests.put(item);
  } catch (e) {
    if (!isAirlockError(e) || e.code !== 'ERR_REQUEST_EXISTS') throw e;
    return (await requests.get(item.requestId)) ?? item;
  }
  return item;
}
