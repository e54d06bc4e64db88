import type { WebClient } from '@slack/web-api';
import { AirlockError } from '../../errors.js';
import type { ApprovalView, MessageRef, Notifier } from '../../ports/notifier.js';
import { approvalMessage } from './approval-blocks.js';
import { digestMessage } from './digest-blocks.js';

function failed(e: unknown, what: string): AirlockError {
  const code = (e as { data?: { error?: unknown } } | null)?.data?.error;
  return new AirlockError('ERR_NOTIFIER_UNAVAILABLE', `Slack ${what} failed${typeof code === 'string' ? `: ${code}` : ''}`, { cause: e });
}

/**
 * Notifier on Slack's Web API: one Block Kit message per request in the approvers' channel,
 * updated in place after each vote and at the end. SQL too long for a block is uploaded as a
 * file in the message's thread, so approvers can read every character they approve.
 * Mentions and link unfurling are off (`link_names: false`, `unfurl_*: false`, escaped text).
 *
 * @example
 * const notifier = new SlackNotifier(new WebClient(token), 'C0APPROVALS');
 */
export class SlackNotifier implements Notifier {
  readonly #client: WebClient;
  readonly #channel: string;

  constructor(client: WebClient, channel: string) {
    this.#client = client;
    this.#channel = channel;
  }

  async postApproval(view: ApprovalView): Promise<MessageRef> {
    const m = approvalMessage(view);
    let ref: MessageRef;
    try {
      const res = await this.#client.chat.postMessage({ channel: this.#channel, text: m.text, blocks: m.blocks as never, link_names: false, unfurl_links: false, unfurl_media: false });
      if (typeof res.channel !== 'string' || typeof res.ts !== 'string') throw new Error('chat.postMessage answered without channel/ts');
      ref = { channel: res.channel, ts: res.ts };
    } catch (e) {
      throw failed(e, 'chat.postMessage');
    }
    if (m.sqlAsFile) {
      try {
        await this.#client.filesUploadV2({
          channel_id: ref.channel,
          thread_ts: ref.ts,
          content: view.sql,
          filename: `airlock-${view.requestId}.sql`,
          title: `SQL of request ${view.requestId} (sha256 ${view.sqlHash})`,
        });
      } catch (e) {
        // Approvers must see every character; without the file the message says so and nobody should approve.
        throw failed(e, 'files.uploadV2');
      }
    }
    return ref;
  }

  async updateApproval(ref: MessageRef, view: ApprovalView): Promise<void> {
    const m = approvalMessage(view);
    try {
      await this.#client.chat.update({ channel: ref.channel, ts: ref.ts, text: m.text, blocks: m.blocks as never, link_names: false });
    } catch (e) {
      throw failed(e, 'chat.update');
    }
  }

  async postDigest(views: ApprovalView[]): Promise<MessageRef> {
    const m = digestMessage(views);
    try {
      const res = await this.#client.chat.postMessage({ channel: this.#channel, text: m.text, blocks: m.blocks as never, link_names: false, unfurl_links: false, unfurl_media: false });
      if (typeof res.channel !== 'string' || typeof res.ts !== 'string') throw new Error('chat.postMessage answered without channel/ts');
      return { channel: res.channel, ts: res.ts };
    } catch (e) {
      throw failed(e, 'chat.postMessage');
    }
  }

  async updateDigest(ref: MessageRef, views: ApprovalView[]): Promise<void> {
    const m = digestMessage(views);
    try {
      await this.#client.chat.update({ channel: ref.channel, ts: ref.ts, text: m.text, blocks: m.blocks as never, link_names: false });
    } catch (e) {
      throw failed(e, 'chat.update');
    }
  }

  async tellUser(ref: MessageRef | null, slackUserId: string, text: string): Promise<void> {
    try {
      await this.#client.chat.postEphemeral({ channel: ref?.channel ?? this.#channel, user: slackUserId, text, ...(ref === null ? {} : { thread_ts: ref.ts }) });
    } catch (e) {
      throw failed(e, 'chat.postEphemeral');
    }
  }
}
