import { looksLikeEmail, normalizeEmail } from '../identity/normalize-email.js';
import type { IdpIdentity, Policy } from '../policy/policy.js';
import { findApprover } from '../policy/find-approver.js';
import type { ApproverDirectory } from '../ports/approver-directory.js';
import type { Actor } from '../records/types.js';

export interface ApproverIdentity {
  authorized: boolean;
  /** Every email known for the Slack user (the policy's mapping and the Slack profile), lower-cased. */
  emails: string[];
  /** The approver's IdP accounts listed in the policy (`approvers[].idp`). */
  idp: IdpIdentity[];
}

/**
 * Is this Slack user an approver (listed in the policy, or a member of one of its user groups),
 * and which emails and IdP accounts are theirs.
 *
 * @example
 * const who = await approverIdentity(policy, directory, 'UAPPROVER1'); // { authorized: true, emails: ['approver1@example.com'], idp: [] }
 */
export async function approverIdentity(policy: Policy, directory: ApproverDirectory, slackUserId: string): Promise<ApproverIdentity> {
  const listed = findApprover(policy, slackUserId);
  let authorized = listed !== undefined;
  for (const group of policy.approverGroups) {
    if (authorized) break;
    authorized = await directory.isMemberOf(slackUserId, group);
  }
  if (!authorized) return { authorized: false, emails: [], idp: [] };
  const emails = new Set<string>();
  if (listed !== undefined) emails.add(listed.email.toLowerCase());
  const profile = await directory.emailOf(slackUserId);
  if (profile !== null) emails.add(profile.toLowerCase());
  return { authorized: true, emails: [...emails], idp: listed?.idp ?? [] };
}

/** How the requester relates to the approver who clicked. */
export type RequesterMatch =
  /** The same person by some spelling of an identity: the click is refused (`self_approval`). */
  | { kind: 'self'; via: string }
  /** The requester cannot be tied to a person and the approver has no listed IdP account to tell them apart. */
  | { kind: 'unlinked'; message: string }
  | { kind: 'other' };

/**
 * Whether the approver is the requester: the human the token named (`sub`, `email`) and the agent
 * acting for them (`act`) both count. Matched on IdP `iss` + `sub` against the approver's listed
 * accounts, on emails after `normalizeEmail` (NFKC, case folding, `+tag` for the policy's
 * `approval.subaddressDomains`), and on the Slack id. A requester with no email and no `sub`
 * the policy lists cannot be linked to a person: then only an approver with a listed IdP account
 * may approve (their `iss` + `sub` was compared), anyone else is refused so the check is never
 * skipped silently.
 *
 * @example
 * matchRequester(policy, requested.actor, { slackUserId: 'UAPPROVER1', emails: ['approver1@example.com'], idp: [] });
 * // { kind: 'self', via: 'email' } for a token with email " Approver1+agent@example.com"
 */
export function matchRequester(policy: Policy, requester: Actor, approver: { slackUserId: string; emails: string[]; idp?: IdpIdentity[] }): RequesterMatch {
  const domains = policy.approval.subaddressDomains;
  const norm = (e: string) => normalizeEmail(e, domains);
  const theirEmails = new Set(approver.emails.map(norm).filter((e): e is string => e !== null));
  for (const a of policy.approvers) {
    // The policy's own entry for this Slack id, whatever the directory said.
    if (a.slackUserId === approver.slackUserId) {
      const e = norm(a.email);
      if (e !== null) theirEmails.add(e);
    }
  }
  const theirIdp = approver.idp ?? findIdp(policy, approver.slackUserId);

  const ids = requesterIds(requester);
  for (const id of ids.idp) {
    if (theirIdp.some((t) => sameIdp(t, id))) return { kind: 'self', via: 'idp' };
  }
  const emails = ids.emailLike.map(norm).filter((e): e is string => e !== null);
  if (emails.some((e) => theirEmails.has(e))) return { kind: 'self', via: 'email' };
  const slackId = approver.slackUserId.trim().toLowerCase();
  if (ids.raw.some((r) => r.trim().normalize('NFKC').toLowerCase() === slackId)) return { kind: 'self', via: 'slack' };

  // Another listed approver's IdP account is a person too (not this approver).
  const mapped = ids.idp.some((id) => policy.approvers.some((a) => (a.idp ?? []).some((t) => sameIdp(t, id))));
  const linked = emails.length > 0 || mapped;
  if (!linked && theirIdp.length === 0) {
    return {
      kind: 'unlinked',
      message:
        `the requester (${ids.idp.map((i) => `${i.iss} ${i.sub}`).join(', ') || 'no identity'}) has no email claim and no IdP account listed in the policy, ` +
        `so Airlock cannot tell whether ${approver.slackUserId} is the requester: add idp: [{ iss, sub }] with your IdP account to your entry in the policy's approvers ` +
        `(or list the requester's account under their own approver entry, or have the IdP put an email claim in their token)`,
    };
  }
  return { kind: 'other' };
}

/** @deprecated use `matchRequester`: kept for callers that only need yes / no. */
export function isRequester(requester: Actor, approver: { slackUserId: string; emails: string[] }, policy?: Policy): boolean {
  const p = policy ?? ({ approvers: [], approval: { subaddressDomains: ['*'] } } as unknown as Policy);
  return matchRequester(p, requester, approver).kind === 'self';
}

function findIdp(policy: Policy, slackUserId: string): IdpIdentity[] {
  return findApprover(policy, slackUserId)?.idp ?? [];
}

function requesterIds(r: Actor): { idp: IdpIdentity[]; emailLike: string[]; raw: string[] } {
  const idp: IdpIdentity[] = [];
  const raw: string[] = [];
  const emailLike: string[] = [];
  if (typeof r.email === 'string' && r.email.trim() !== '') emailLike.push(r.email);
  if (typeof r.sub === 'string') {
    raw.push(r.sub);
    if (r.iss !== undefined) idp.push({ iss: r.iss, sub: r.sub });
    if (looksLikeEmail(r.sub)) emailLike.push(r.sub);
  }
  if (r.act !== undefined && typeof r.act.sub === 'string') {
    raw.push(r.act.sub);
    const iss = r.act.iss ?? r.iss;
    if (iss !== undefined) idp.push({ iss, sub: r.act.sub });
    if (looksLikeEmail(r.act.sub)) emailLike.push(r.act.sub);
  }
  return { idp, emailLike, raw };
}

/** `iss` compared without a trailing slash or case in scheme and host; `sub` trimmed (an IdP never issues two subs differing only in space). */
function sameIdp(a: IdpIdentity, b: IdpIdentity): boolean {
  return normIss(a.iss) === normIss(b.iss) && a.sub.trim().normalize('NFKC') === b.sub.trim().normalize('NFKC');
}

function normIss(iss: string): string {
  const t = iss.trim().replace(/\/+$/, '');
  try {
    const u = new URL(t);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return t.toLowerCase();
  }
}
