import { AirlockError } from '../errors.js';
import { DIGEST_MAX_ENTRIES, DIGEST_MAX_SQL, type ApprovalView, type MessageRef } from '../ports/notifier.js';
import type { RequestItem } from '../ports/request-store.js';
import type { ApprovalDeps } from './approval-deps.js';
import { approvalView } from './approval-view.js';
import { requestRecords } from './request-records.js';
import type { SessionRecord } from '../records/types.js';
import { rememberBounded } from '../bounded-cache.js';

export type ApprovalDigestDeps = Pick<ApprovalDeps, 'requests' | 'records' | 'notifier' | 'clock' | 'policy' | 'log'>;
export type RenderDigestDeps = Pick<ApprovalDeps, 'requests' | 'records' | 'notifier' | 'log'>;

/** The digest document of one identity's n-th digest, in the requests table. */
interface DigestDoc {
  /** Request ids, in the order they joined. */
  ids: string[];
  /** The digest's Slack message, once posted. */
  ref?: MessageRef;
  /** The request whose notify task posts the message, and since when (another takes over after POST_TAKEOVER_MS). */
  poster: string;
  postingSince: number;
  createdAt: number;
  /** Bumped before every render: a render that sees it moved renders again (the last one shows the latest state). */
  rev: number;
}

const BURST_SET = 'sent';
/** How long the other requests of a digest wait for its poster before one of them posts it. */
const POST_TAKEOVER_MS = 30_000;
const WAIT_FOR_POSTER_MS = 10_000;
const CAS_ATTEMPTS = 50;
const RENDER_ROUNDS = 5;

const burstKey = (owner: string): string => `burst#${owner}`;
// Distinct prefixes, the number before the owner: no owner's key can spell another owner's.
const pointerKey = (owner: string): string => `digestseq#${owner}`;
const digestKey = (owner: string, seq: number): string => `digest#${seq}#${owner}`;

/**
 * Whether this request is beyond its requester's Slack burst: each identity gets at most
 * `approval.slackBurst` messages of their own per `approval.slackBurstWindowSeconds`, counted in
 * one conditional write on its burst item in the requests table (across Lambda containers). The
 * member is the request (with its creation time), so a retried notify task counts once. SQL too
 * long for a digest entry always gets a message of its own (with the SQL as a file).
 *
 * @example
 * if (await beyondBurst(deps, item)) ref = await joinDigest(deps, item);
 */
export async function beyondBurst(deps: ApprovalDigestDeps, item: RequestItem): Promise<boolean> {
  if (item.sql.length > DIGEST_MAX_SQL) return false;
  const burst = deps.policy.approval.slackBurst;
  const windowMs = deps.policy.approval.slackBurstWindowSeconds * 1000;
  const key = burstKey(item.owner);
  const member = `${String(Date.parse(item.createdAt) || 0).padStart(15, '0')}#${item.requestId}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await deps.requests.claimSlots(key, [{ set: BURST_SET, member, max: burst }])) return false;
    // Full: drop the messages older than the window, then try once more.
    const now = deps.clock.now().getTime();
    const old = ((await deps.requests.listSlots(key))[BURST_SET] ?? []).filter((m) => Number(m.slice(0, m.indexOf('#'))) <= now - windowMs);
    if (old.length === 0) return true;
    await deps.requests.releaseSlots(key, BURST_SET, old);
  }
  return true;
}

/**
 * Lists the request in its requester's current digest and returns the digest's message (posting
 * it when this request opened the digest, or when its poster is gone). The request item is marked
 * with the digest (`digest`) before it joins, so a retried notify task joins the same one. A full
 * digest (DIGEST_MAX_ENTRIES) or one older than the burst window is left as it is: a new one begins.
 * Null when the request was decided before it could be listed.
 *
 * @example
 * const ref = await joinDigest(deps, item); // then store it as the request's message and renderDigest
 */
export async function joinDigest(deps: ApprovalDigestDeps, item: RequestItem): Promise<{ ref: MessageRef; key: string } | null> {
  const requestId = item.requestId;
  let key = item.digest ?? (await currentDigest(deps, item.owner));
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    if (item.digest !== key) {
      // Decided before it was listed: nothing to list (the caller routes on its status).
      if (!(await deps.requests.transition(requestId, ['pending_approval'], { digest: key }))) return null;
      item = { ...item, digest: key };
    }
    const now = deps.clock.now().getTime();
    const doc = await deps.requests.getDoc(key);
    const value = doc?.value as DigestDoc | undefined;
    if (value !== undefined && value.ids.includes(requestId)) return { ref: await postedRef(deps, key, requestId), key };
    if (value !== undefined && (value.ids.length >= DIGEST_MAX_ENTRIES || value.createdAt + windowMs(deps) <= now)) {
      key = await nextDigest(deps, item.owner, key);
      continue;
    }
    const next: DigestDoc =
      value === undefined ? { ids: [requestId], poster: requestId, postingSince: now, createdAt: now, rev: 0 } : { ...value, ids: [...value.ids, requestId] };
    if (await deps.requests.putDoc(key, next, doc?.version ?? null)) return { ref: await postedRef(deps, key, requestId), key };
  }
  throw new AirlockError('ERR_STORE_UNAVAILABLE', `request ${requestId}: the digest changed too often to join; the notify task retries`);
}

/**
 * Puts the digest's message in Slack in step with its requests: every listed request as it is now
 * (status, votes, outcome), buttons only on those still pending. Best effort like the single
 * message: a failure is logged; the next render (any vote, expiry or join) puts it right.
 *
 * @example
 * await renderDigest(deps, item.digest);
 */
export function renderDigest(deps: RenderDigestDeps, key: string): Promise<void> {
  // One render at a time per digest in this process: a caller arriving while one runs asks for one
  // more after it (which shows its change too) instead of a render of its own. A burst of joins and
  // votes then costs two renders, not one per request (each reads every listed item).
  let byKey = rendering.get(deps.requests);
  if (byKey === undefined) rendering.set(deps.requests, (byKey = new Map()));
  const running = byKey.get(key);
  if (running !== undefined) {
    running.again = true;
    return running.done;
  }
  const state = { again: false, done: Promise.resolve() };
  const queue = byKey;
  state.done = (async () => {
    try {
      do {
        state.again = false;
        await renderOnce(deps, key);
      } while (state.again);
    } finally {
      queue.delete(key);
    }
  })();
  byKey.set(key, state);
  return state.done;
}

const rendering = new WeakMap<object, Map<string, { again: boolean; done: Promise<void> }>>();

async function renderOnce(deps: RenderDigestDeps, key: string): Promise<void> {
  const update = deps.notifier.updateDigest?.bind(deps.notifier);
  if (update === undefined) return;
  try {
    for (let round = 0; round < RENDER_ROUNDS; round++) {
      // Claim a revision first: anyone who changes the digest or a listed request afterwards renders again.
      let mine: number | null = null;
      let value: DigestDoc | undefined;
      for (let attempt = 0; attempt < CAS_ATTEMPTS && mine === null; attempt++) {
        const doc = await deps.requests.getDoc(key);
        value = doc?.value as DigestDoc | undefined;
        if (doc === null || value === undefined || value.ref === undefined) return;
        if (await deps.requests.putDoc(key, { ...value, rev: value.rev + 1 }, doc.version)) mine = doc.version + 1;
      }
      if (mine === null || value?.ref === undefined) return;
      await update(value.ref, await viewsOf(deps, value.ids));
      if ((await deps.requests.getDoc(key))?.version === mine) return;
    }
  } catch (e) {
    deps.log?.('warn', 'approval digest update failed', { digest: key, err: e instanceof Error ? e.message : String(e) });
  }
}

/**
 * The `query.requested` record of requests listed in a digest, by request id. A signed record never
 * changes, so every render after the first reads only the items (status, votes), not the chains: a
 * digest is rendered on every join and vote, and re-reading each listed request's session made one
 * identity's burst of approval requests cost the whole gateway (issue 15). Bounded, oldest out first.
 */
const requestedById = new Map<string, SessionRecord>();
const REQUESTED_CACHE_MAX = 2_000;

async function requestedOf(deps: RenderDigestDeps, item: RequestItem): Promise<SessionRecord> {
  const cached = requestedById.get(item.requestId);
  // The same request (its chain, seq and SQL), never merely the same id.
  if (cached !== undefined && cached.sessionId === item.sessionId && (item.requestedSeq === 0 || cached.seq === item.requestedSeq) && (cached.body as { sqlHash?: unknown }).sqlHash === item.sqlHash) return cached;
  const { requested } = await requestRecords(deps.records, item);
  rememberBounded(requestedById, item.requestId, requested, REQUESTED_CACHE_MAX);
  return requested;
}

async function viewsOf(deps: RenderDigestDeps, ids: string[]): Promise<ApprovalView[]> {
  // The items in one round trip (a digest lists up to DIGEST_MAX_ENTRIES).
  const items = await deps.requests.getMany(ids);
  return Promise.all(items.map(async (item) => approvalView(item, await requestedOf(deps, item))));
}

/** The digest's message: posted by its poster; the others wait for it, and take over when the poster is gone. */
async function postedRef(deps: ApprovalDigestDeps, key: string, requestId: string): Promise<MessageRef> {
  const post = deps.notifier.postDigest?.bind(deps.notifier);
  if (post === undefined) throw new AirlockError('ERR_NOTIFIER_UNAVAILABLE', 'the notifier cannot post digests');
  const waitUntil = Date.now() + WAIT_FOR_POSTER_MS;
  let waits = 0;
  for (let attempt = 0; attempt < CAS_ATTEMPTS * 10; attempt++) {
    const doc = await deps.requests.getDoc(key);
    const value = doc?.value as DigestDoc | undefined;
    if (doc === null || value === undefined) throw new AirlockError('ERR_STORE_UNAVAILABLE', `digest ${key} vanished`);
    if (value.ref !== undefined) return value.ref;
    const now = deps.clock.now().getTime();
    if (value.poster !== requestId) {
      if (now - value.postingSince < POST_TAKEOVER_MS && Date.now() < waitUntil) {
        // 20 ms, doubling to 250 ms: a burst of joiners waiting on one Slack post must not poll the store hot.
        await new Promise((r) => setTimeout(r, Math.min(250, 20 * 2 ** Math.min(waits++, 4))));
        continue;
      }
      // The poster is gone (or slow): this request posts it.
      await deps.requests.putDoc(key, { ...value, poster: requestId, postingSince: now }, doc.version);
      continue;
    }
    const ref = await post(await viewsOf(deps, value.ids));
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const cur = await deps.requests.getDoc(key);
      const v = cur?.value as DigestDoc | undefined;
      if (cur === null || v === undefined) throw new AirlockError('ERR_STORE_UNAVAILABLE', `digest ${key} vanished`);
      if (v.ref !== undefined) return v.ref; // another poster won: theirs is the digest (ours stays a stale copy)
      if (await deps.requests.putDoc(key, { ...v, ref }, cur.version)) return ref;
    }
    throw new AirlockError('ERR_STORE_UNAVAILABLE', `digest ${key}: its message could not be stored`);
  }
  throw new AirlockError('ERR_NOTIFIER_UNAVAILABLE', `digest ${key}: its message was not posted in time; the notify task retries`);
}

async function currentDigest(deps: ApprovalDigestDeps, owner: string): Promise<string> {
  const doc = await deps.requests.getDoc(pointerKey(owner));
  if (doc !== null) return digestKey(owner, (doc.value as { seq: number }).seq);
  await deps.requests.putDoc(pointerKey(owner), { seq: 1 }, null);
  const now = await deps.requests.getDoc(pointerKey(owner));
  return digestKey(owner, (now?.value as { seq: number } | undefined)?.seq ?? 1);
}

/** Moves the identity's pointer past `full` (if nobody did yet) and returns the current digest. */
async function nextDigest(deps: ApprovalDigestDeps, owner: string, full: string): Promise<string> {
  const doc = await deps.requests.getDoc(pointerKey(owner));
  const seq = (doc?.value as { seq: number } | undefined)?.seq ?? 1;
  if (digestKey(owner, seq) === full) await deps.requests.putDoc(pointerKey(owner), { seq: seq + 1 }, doc?.version ?? null);
  return currentDigest(deps, owner);
}

function windowMs(deps: ApprovalDigestDeps): number {
  return deps.policy.approval.slackBurstWindowSeconds * 1000;
}
