import { AirlockError } from '../errors.js';
import type { RecordStore } from '../ports/record-store.js';
import type { RequestItem } from '../ports/request-store.js';
import type { SessionRecord } from '../records/types.js';

/** One request's records in its session chain: the write-ahead `query.requested` and the votes. */
export interface RequestRecords {
  requested: SessionRecord;
  /** `approval.granted` / `approval.rejected`, in seq order. */
  votes: SessionRecord[];
  /** `approval.refused`: clicks that did not count, in seq order. */
  refused: SessionRecord[];
  expired: boolean;
}

/**
 * Reads a request's records from its session chain (the chain is the evidence; the request
 * item is derived state that can lag it after a crash).
 *
 * @example
 * const { requested, votes } = await requestRecords(deps.records, item);
 */
export async function requestRecords(records: RecordStore, item: RequestItem): Promise<RequestRecords> {
  // From its write-ahead record on: a request's records never precede it (0: an item from before requestedSeq was kept).
  const mine = (await records.list(item.sessionId, item.requestedSeq > 0 ? item.requestedSeq : undefined))
    .map((line) => JSON.parse(line) as SessionRecord)
    .filter((r) => r.requestId === item.requestId);
  const requested = mine.find((r) => r.type === 'query.requested' && (item.requestedSeq === 0 || r.seq === item.requestedSeq));
  if (requested === undefined) throw new AirlockError('ERR_RECORD_MISSING', `the query.requested record of request ${item.requestId} is missing`);
  return {
    requested,
    votes: mine.filter((r) => r.type === 'approval.granted' || r.type === 'approval.rejected'),
    refused: mine.filter((r) => r.type === 'approval.refused'),
    expired: mine.some((r) => r.type === 'approval.expired'),
  };
}
