import { AirlockError } from '../errors.js';
import { MAX_RECORD_BYTES } from '../adapters/aws/tables.js';
import { canonicalJson } from './canonical.js';
import { isSealedAs } from './seal-record.js';
import type { SessionRecord } from './types.js';

/**
 * What every RecordStore checks before writing, so all adapters refuse the same things:
 * `canonical` must be the canonical JSON of `record` (else the key attributes could
 * disagree with the stored bytes), and fit in one DynamoDB item. A pair `sealRecord` made in this
 * process (its record deeply frozen) is that already and is not canonicalised again.
 */
export function checkRecordWrite(record: SessionRecord, canonical: string): void {
  if (!isSealedAs(record, canonical) && canonicalJson(record) !== canonical) {
    throw new AirlockError('ERR_VALIDATION', `record ${record.sessionId}/${record.seq}: canonical string is not the record's canonical JSON`);
  }
  const bytes = Buffer.byteLength(canonical, 'utf8');
  if (bytes > MAX_RECORD_BYTES) {
    throw new AirlockError('ERR_ITEM_TOO_LARGE', `record ${record.sessionId}/${record.seq} is ${bytes} bytes; the limit is ${MAX_RECORD_BYTES}`);
  }
}
