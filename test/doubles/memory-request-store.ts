import { AirlockError } from '../../shared/errors.js';
import type { IdempotencyEntry, RequestItem, RequestStatus, RequestStore, SessionOwner, Vote } from '../../shared/ports/request-store.js';
import { MAX_ITEM_BYTES } from '../../shared/adapters/aws/tables.js';

/** JSON round trip: what DynamoDB would give back (no shared references, undefined dropped). */
function copy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function definedEntries(patch: object): [string, unknown][] {
  return Object.entries(patch).filter(([, v]) => v !== undefined);
}

/**
 * In-memory RequestStore for unit tests, with DynamoDbRequestStore's contract: create-only
 * `put`, first-writer-wins claims, `transition` conditional on the current status,
 * items over 400 KB refused.
 *
 * @example
 * const requests = new MemoryRequestStore();
 * await requests.put(item);
 * await requests.transition(item.requestId, ['pending_approval'], { status: 'approved' }); // true
 */
export class MemoryRequestStore implements RequestStore {
  readonly #sessions = new Map<string, SessionOwner>();
  readonly #idem = new Map<string, IdempotencyEntry>();
  readonly #requests = new Map<string, RequestItem>();

  async claimSession(s: SessionOwner): Promise<SessionOwner> {
    const existing = this.#sessions.get(s.sessionId);
    if (existing !== undefined) return copy(existing);
    this.#sessions.set(s.sessionId, copy(s));
    return copy(s);
  }

  async getSession(sessionId: string): Promise<SessionOwner | null> {
    const s = this.#sessions.get(sessionId);
    return s === undefined ? null : copy(s);
  }

  async claimIdempotency(e: IdempotencyEntry): Promise<IdempotencyEntry> {
    const existing = this.#idem.get(e.key);
    if (existing !== undefined) return copy(existing);
    this.#idem.set(e.key, copy(e));
    return copy(e);
  }

  async releaseIdempotency(key: string): Promise<void> {
    this.#idem.delete(key);
  }

  async put(item: RequestItem): Promise<void> {
    checkSize(item);
    if (this.#requests.has(item.requestId)) {
      throw new AirlockError('ERR_REQUEST_EXISTS', `request ${item.requestId} already exists`);
    }
    this.#requests.set(item.requestId, copy(item));
  }

  async get(requestId: string): Promise<RequestItem | null> {
    const item = this.#requests.get(requestId);
    return item === undefined ? null : copy(item);
  }

  async transition(requestId: string, from: RequestStatus[], patch: Partial<RequestItem>): Promise<boolean> {
    checkPatch(requestId, patch);
    const current = this.#requests.get(requestId);
    if (current === undefined || !from.includes(current.status)) return false;
    const next = { ...current, ...Object.fromEntries(definedEntries(patch)) } as RequestItem;
    checkSize(next);
    this.#requests.set(requestId, copy(next));
    return true;
  }

  async transitionVotes(requestId: string, from: RequestStatus[], expectedVotes: Vote[], patch: Partial<RequestItem>): Promise<boolean> {
    const current = this.#requests.get(requestId);
    if (current === undefined || JSON.stringify(current.votes) !== JSON.stringify(expectedVotes)) return false;
    return this.transition(requestId, from, patch);
  }

  async listByStatus(status: RequestStatus): Promise<RequestItem[]> {
    return [...this.#requests.values()]
      .filter((r) => r.status === status)
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))
      .map(copy);
  }
}

function checkPatch(requestId: string, patch: Partial<RequestItem>): void {
  if (patch.requestId !== undefined && patch.requestId !== requestId) {
    throw new AirlockError('ERR_VALIDATION', `transition cannot change requestId (${requestId} → ${patch.requestId})`);
  }
}

function checkSize(item: RequestItem): void {
  const bytes = Buffer.byteLength(JSON.stringify(item), 'utf8');
  if (bytes > MAX_ITEM_BYTES) {
    throw new AirlockError('ERR_ITEM_TOO_LARGE', `request ${item.requestId} is ${bytes} bytes; the limit is ${MAX_ITEM_BYTES}`);
  }
}
