import { createHash } from 'node:crypto';
import { identityKey, type Principal } from '../identity/principal.js';
import type { QuotaLimitName } from '../ports/quota-store.js';
import type { SubmitQueryDeps } from './submit-query.js';
import { actorOf } from './submit-query.js';
import { appendRecord } from './append-record.js';
import { sqlHash as hashSql } from '../records/hash.js';
import { AirlockError } from '../errors.js';
import { admitQuery, rateLimited, type AdmitQueryDeps, type PaceKind } from './admit-query.js';
import { REFUSAL_SESSION_PREFIX } from './query-input.js';

export type OffQueryRefusalDeps = Pick<SubmitQueryDeps, 'records' | 'requests' | 'signer' | 'clock' | 'newId'>;

/**
 * The session an identity's refusals outside a query are recorded in (`throttled-` and 32 hex digits of
 * the SHA-256 of its identity key): its own, so it reads them with GET /v1/sessions/{id}, and no other
 * identity's chain gets records of someone else's reads.
 */
export function refusalSessionId(principal: Principal): string {
  return `${REFUSAL_SESSION_PREFIX}${createHash('sha256').update(identityKey(principal), 'utf8').digest('hex').slice(0, 32)}`;
}

/**
 * A refusal over the pace of something that is not a query (a read of a request or a session, an
 * explain: issue 15) is evidence too: recorded as `query.throttled` with the `route` refused (and the
 * explained SQL's hash when there was one) in the identity's refusal session, before the 429 is
 * answered. Returns the record's request id, which the 429 carries. If it cannot be recorded, the
 * store's error goes out instead (503): a refusal is never answered unrecorded.
 *
 * @example
 * const requestId = await recordOffQueryRefusal(deps, principal, 'GET /v1/sessions/{sessionId}', refused);
 */
export async function recordOffQueryRefusal(
  deps: OffQueryRefusalDeps,
  principal: Principal,
  route: string,
  refused: { limit: QuotaLimitName; retryAfterSeconds: number },
  sql?: string,
): Promise<string> {
  const sessionId = refusalSessionId(principal);
  const owner = identityKey(principal);
  const claimed = await deps.requests.claimSession({ sessionId, owner, createdAt: deps.clock.now().toISOString() });
  // No agent can name a session with this prefix (query-input.ts), so only its identity ever claims it.
  if (claimed.owner !== owner) throw new AirlockError('ERR_STORE_UNAVAILABLE', 'the refusal could not be recorded (its session belongs to another identity); retry later');
  const requestId = deps.newId();
  await appendRecord(deps, {
    sessionId,
    requestId,
    type: 'query.throttled',
    actor: actorOf(principal),
    body: { ...(sql === undefined ? {} : { sqlHash: hashSql(sql) }), risk: 'unclassified', limit: refused.limit, retryAfterSeconds: refused.retryAfterSeconds, route },
  });
  return requestId;
}

/**
 * Admits something that is not a query (a read of a request or a session, an explain) against its
 * identity's pace — `sql` is what it costs by length, absent for a read — or records the refusal
 * (`recordOffQueryRefusal`) and throws its 429. Returns the admission, whose `done` charges what the
 * answer cost.
 *
 * @example
 * const admission = await admitOffQuery(deps, principal, 'GET /v1/sessions/{sessionId}', 'reads');
 */
export async function admitOffQuery(deps: OffQueryRefusalDeps & AdmitQueryDeps, principal: Principal, route: string, pace: PaceKind, sql?: string) {
  const admission = await admitQuery(deps, principal, false, sql ?? '', pace);
  if (!admission.admitted) throw rateLimited(admission, await recordOffQueryRefusal(deps, principal, route, admission, sql));
  return admission;
}
