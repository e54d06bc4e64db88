import type { WebClient } from '@slack/web-api';
import { AirlockError } from '../../errors.js';
import type { ApproverDirectory } from '../../ports/approver-directory.js';
import type { Clock } from '../../ports/clock.js';

interface Cached<T> {
  value: T;
  until: number;
}

/**
 * Slack users and user groups, for the approval checks, cached for `ttlSeconds` (default 300):
 * a click must not wait on two Slack API calls, and a group change takes effect within minutes.
 * Needs the `users:read`, `users:read.email` and `usergroups:read` scopes. A Slack failure is
 * ERR_NOTIFIER_UNAVAILABLE: the vote is refused (fail closed), never counted without the check.
 *
 * @example
 * const directory = new SlackApproverDirectory(new WebClient(token), systemClock);
 * await directory.isMemberOf('U123', 'S0APPROVERS');
 */
export class SlackApproverDirectory implements ApproverDirectory {
  readonly #client: WebClient;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #emails = new Map<string, Cached<string | null>>();
  readonly #groups = new Map<string, Cached<Set<string>>>();

  constructor(client: WebClient, clock: Clock, opts: { ttlSeconds?: number } = {}) {
    this.#client = client;
    this.#clock = clock;
    this.#ttlMs = (opts.ttlSeconds ?? 300) * 1000;
  }

  async emailOf(slackUserId: string): Promise<string | null> {
    const hit = this.#fresh(this.#emails.get(slackUserId));
    if (hit !== undefined) return hit;
    let email: string | null;
    try {
      const res = await this.#client.users.info({ user: slackUserId });
      const e = res.user?.profile?.email;
      email = typeof e === 'string' && e !== '' ? e : null;
    } catch (e) {
      if ((e as { data?: { error?: string } }).data?.error === 'user_not_found') email = null;
      else throw new AirlockError('ERR_NOTIFIER_UNAVAILABLE', 'Slack users.info failed', { cause: e });
    }
    this.#emails.set(slackUserId, { value: email, until: this.#clock.now().getTime() + this.#ttlMs });
    return email;
  }

  async isMemberOf(slackUserId: string, userGroupId: string): Promise<boolean> {
    let members = this.#fresh(this.#groups.get(userGroupId));
    if (members === undefined) {
      try {
        const res = await this.#client.usergroups.users.list({ usergroup: userGroupId });
        members = new Set(res.users ?? []);
      } catch (e) {
        throw new AirlockError('ERR_NOTIFIER_UNAVAILABLE', `Slack usergroups.users.list failed for ${userGroupId}`, { cause: e });
      }
      this.#groups.set(userGroupId, { value: members, until: this.#clock.now().getTime() + this.#ttlMs });
    }
    return members.has(slackUserId);
  }

  #fresh<T>(c: Cached<T> | undefined): T | undefined {
    return c !== undefined && c.until > this.#clock.now().getTime() ? c.value : undefined;
  }
}
