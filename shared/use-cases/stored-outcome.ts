import { AirlockError } from '../errors.js';
import type { RecordStore } from '../ports/record-store.js';
import type { RequestItem } from '../ports/request-store.js';
import type { QueryOutcome } from './submit-query.js';

/**
 * The answer kept on a request item. Rows are left out of it: the `query.executed` record already
 * holds exactly what the agent saw, and SQL (256 KiB) plus rows (256 KiB) would not fit one
 * 400 KB DynamoDB item. `loadOutcome` puts them back from the record.
 */
export function toStoredOutcome(outcome: QueryOutcome): QueryOutcome {
  if (outcome.kind !== 'executed') return outcome;
  const { rows: _rows, ...rest } = outcome.body;
  return { kind: outcome.kind, body: { ...rest, rowsInRecord: true } };
}

export async function loadOutcome(records: RecordStore, item: RequestItem): Promise<QueryOutcome | null> {
  const stored = item.response as QueryOutcome | undefined;
  if (stored === undefined) return null;
  if (stored.body['rowsInRecord'] !== true) return stored;
  const seq = (stored.body['record'] as { seq?: number } | undefined)?.seq;
  const line = (await records.list(item.sessionId)).find((l) => (JSON.parse(l) as { seq: number }).seq === seq);
  if (line === undefined) throw new AirlockError('ERR_RECORD_MISSING', `the result record of request ${item.requestId} is missing`);
  const { rowsInRecord: _flag, ...body } = stored.body;
  const rows = (JSON.parse(line) as { body: { rows: unknown } }).body.rows;
  return { kind: stored.kind, body: { ...body, rows } };
}
