import { AirlockError } from '../../shared/errors.js';
import type { RecordStore } from '../../shared/ports/record-store.js';
import { checkRecordWrite } from '../../shared/records/check-record-write.js';
import type { SessionRecord } from '../../shared/records/types.js';

/**
 * In-memory RecordStore for unit tests: the same contract as DynamoDbRecordStore
 * (conditional on the (sessionId, seq) slot, canonical strings back byte for byte).
 *
 * @example
 * const records = new MemoryRecordStore();
 * await appendRecord({ records, signer, clock }, draft);
 */
export class MemoryRecordStore implements RecordStore {
  readonly #sessions = new Map<string, Map<number, { canonical: string; hash: string; at: string }>>();

  async append(record: SessionRecord, canonical: string): Promise<void> {
    checkRecordWrite(record, canonical);
    let slots = this.#sessions.get(record.sessionId);
    if (slots === undefined) {
      slots = new Map();
      this.#sessions.set(record.sessionId, slots);
    }
    const taken = slots.get(record.seq);
    // Identical bytes = a retried write of the same record: success, as in DynamoDbRecordStore.
    if (taken?.canonical === canonical) return;
    if (taken !== undefined) {
      throw new AirlockError('ERR_CHAIN_CONFLICT', `record ${record.sessionId}/${record.seq} already exists`);
    }
    slots.set(record.seq, { canonical, hash: record.hash, at: record.at });
  }

  async head(sessionId: string): Promise<{ seq: number; hash: string } | null> {
    const slots = this.#sessions.get(sessionId);
    if (slots === undefined || slots.size === 0) return null;
    let top = -Infinity;
    for (const seq of slots.keys()) if (seq > top) top = seq;
    const slot = slots.get(top);
    return slot === undefined ? null : { seq: top, hash: slot.hash };
  }

  async list(sessionId: string, fromSeq = 1): Promise<string[]> {
    const slots = this.#sessions.get(sessionId);
    if (slots === undefined) return [];
    return [...slots].filter(([seq]) => seq >= fromSeq).sort(([a], [b]) => a - b).map(([, s]) => s.canonical);
  }

  async requested(requestId: string): Promise<{ sessionId: string; seq: number } | null> {
    for (const [sessionId, slots] of this.#sessions) {
      for (const [seq, slot] of slots) {
        const r = JSON.parse(slot.canonical) as { type: string; requestId: string };
        if (r.type === 'query.requested' && r.requestId === requestId) return { sessionId, seq };
      }
    }
    return null;
  }

  async sessionIds(range: { from?: string; to?: string }): Promise<string[]> {
    const inRange = (at: string): boolean => (range.from === undefined || at >= range.from) && (range.to === undefined || at <= range.to);
    const ids: string[] = [];
    for (const [id, slots] of this.#sessions) if ([...slots.values()].some((s) => inRange(s.at))) ids.push(id);
    return ids.sort();
  }

  async *pages(sessionId: string, pageSize = 1000, fromSeq?: number): AsyncIterable<string[]> {
    const all = await this.list(sessionId, fromSeq);
    for (let i = 0; i < all.length; i += pageSize) yield all.slice(i, i + pageSize);
  }
}
