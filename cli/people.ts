import type { Approver } from '#shared/policy/policy.js';

/** What a transcript knows about one Slack user: a display name and an email, either possibly missing. */
export interface Person {
  name?: string;
  email?: string;
}

/** Slack user id → person, for transcripts: Slack ids belong in the technical details, people by name and email. */
export type People = Map<string, Person>;

interface ActorLike {
  slackUserId?: string;
  email?: string;
}

/**
 * Who each Slack user in a session is: the email a signed vote recorded for its Slack id (what
 * Airlock resolved when the vote was cast) wins over the policy's; the name, and the email of an
 * approver who has not voted (yet), come from the policy's `approvers` list.
 *
 * @example
 * const people = peopleOf(records.map((r) => r.actor), policy.approvers);
 * personLabel(people, 'UAPPROVER2'); // 'Demo Approver Two (approver2@example.com)'
 */
export function peopleOf(actors: ActorLike[], approvers: readonly Approver[] = []): People {
  const people: People = new Map();
  for (const a of approvers) people.set(a.slackUserId, { ...(a.name === undefined ? {} : { name: a.name }), email: a.email });
  for (const a of actors) {
    if (a.slackUserId === undefined || a.email === undefined) continue;
    people.set(a.slackUserId, { ...people.get(a.slackUserId), email: a.email });
  }
  return people;
}

/** The policy's display name for an email, when an approver has it (an agent acting for an approver). */
export function nameOfEmail(people: People, email: string): string | undefined {
  const e = email.toLowerCase();
  for (const p of people.values()) if (p.email?.toLowerCase() === e && p.name !== undefined) return p.name;
  return undefined;
}

/** "Name (email)", "email" or "Name"; "Slack user U…" only when nothing else is known about the id. */
export function personLabel(people: People, slackUserId: string, email?: string): string {
  return knownLabel(people, slackUserId, email) ?? `Slack user ${slackUserId}`;
}

/** "Name (email)" for a Slack id, or undefined when neither the records nor the policy know it. */
export function knownLabel(people: People, slackUserId: string, email?: string): string | undefined {
  const p = people.get(slackUserId);
  return labelOf(p?.name, email ?? p?.email);
}

/** "Name (email)" from whichever parts are known, or undefined when neither is. */
export function labelOf(name: string | undefined, email: string | undefined): string | undefined {
  if (name !== undefined && email !== undefined) return `${name} (${email})`;
  return name ?? email;
}
