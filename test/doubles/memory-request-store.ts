import { AirlockError } from '../../shared/errors.js';
import type { IdempotencyEntry, RequestItem, RequestStatus, RequestStore, SessionOwner, SlotClaim, VersionedDoc, Vote } from '../../shared/ports/request-store.js';
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
  readonly #slots = new Map<string, Map<string, Set<string>>>();
  readonly #docs = new Map<string, VersionedDoc>();

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

  async getMany(requestIds: readonly string[]): Promise<RequestItem[]> {
    return requestIds.flatMap((id) => {
      const item = this.#requests.get(id);
      return item === undefined ? [] : [copy(item)];
    });
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

  async claimSlots(key: string, claims: SlotClaim[]): Promise<boolean> {
    const sets = this.#slots.get(key) ?? new Map<string, Set<string>>();
    const room = claims.every((c) => {
      const s = sets.get(c.set);
      return s === undefined || s.size < c.max || s.has(c.member);
    });
    if (!room) return false;
    for (const c of claims) sets.set(c.set, (sets.get(c.set) ?? new Set()).add(c.member));
    this.#slots.set(key, sets);
    return true;
  }

  async listSlots(key: string): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const [k, s] of this.#slots.get(key) ?? []) if (s.size > 0) out[k] = [...s].sort();
    return out;
  }

  async releaseSlots(key: string, set: string, members: string[]): Promise<void> {
    const s = this.#slots.get(key)?.get(set);
    for (const m of members) s?.delete(m);
  }

  async getDoc(key: string): Promise<VersionedDoc | null> {
    const d = this.#docs.get(key);
    return d === undefined ? null : copy(d);
  }

  async putDoc(key: string, value: unknown, expected: number | null): Promise<boolean> {
    const d = this.#docs.get(key);
    if ((d?.version ?? null) !== expected) return false;
    this.#docs.set(key, copy({ version: (expected ?? 0) + 1, value }));
    return true;
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
