import type { ApprovalView, MessageRef, Notifier } from '../../ports/notifier.js';

/**
 * The notifier when no Slack is configured: prints each pending request and the exact commands
 * that decide it through the real (signed) Slack interaction path, and each outcome. Messages
 * get a synthetic ref (`console` / request id) so the workflow treats them like Slack's.
 *
 * @example
 * const notifier = new ConsoleNotifier((line) => process.stderr.write(`${line}\n`));
 */
export class ConsoleNotifier implements Notifier {
  readonly #print: (text: string) => void;
  readonly #cli: string;

  /** `cli`: how to run the CLI against this runtime, with AIRLOCK_DATA_DIR when not the default (printed as is). */
  constructor(print: (text: string) => void, cli = 'npm run -s airlock --') {
    this.#print = print;
    this.#cli = cli;
  }

  async postApproval(v: ApprovalView): Promise<MessageRef> {
    const who = v.requester.email ?? v.requester.sub ?? 'unknown';
    // The exact commands, for as many approvers as the request needs (the demo's two by default).
    const as = v.approvers.length === 0 ? ['<SLACK_USER_ID>'] : v.approvers.slice(0, Math.max(1, v.approvalsRequired));
    const lines = [
      `── approval needed: ${v.requestId} (${v.risk}, ${v.approvalsRequired} approval${v.approvalsRequired === 1 ? '' : 's'}, expires ${v.expiresAt})`,
      `   requester: ${who}${v.requester.act === undefined ? '' : ` (agent ${v.requester.act})`}`,
      `   prompt:    ${oneLine(v.prompt, 200)}`,
      `   sql:       ${oneLine(v.sql, 500)}`,
      `   sqlHash:   ${v.sqlHash}`,
      ...v.reasons.map((r) => `   reason:    ${r.code} ${oneLine(r.message, 200)}`),
      `   approvers: ${v.approvers.length === 0 ? '(policy user groups)' : v.approvers.join(', ')}`,
      ...as.map((a) => `   approve:   ${this.#cli} approve ${v.requestId} --as ${a}`),
      `   deny:      ${this.#cli} deny ${v.requestId} --as ${as[0]} --reason "…"`,
    ];
    this.#print(lines.join('\n'));
    return { channel: 'console', ts: v.requestId };
  }

  async updateApproval(_ref: MessageRef, v: ApprovalView): Promise<void> {
    const votes = v.votes.map((x) => `${x.slackUserId} ${x.vote === 'approve' ? 'approved' : 'denied'} at ${x.at}`).join('; ');
    const approvals = v.votes.filter((x) => x.vote === 'approve').length;
    this.#print(`── approval ${v.requestId}: ${v.status} (${approvals}/${v.approvalsRequired})${votes === '' ? '' : ` — ${votes}`}`);
  }

  async postDigest(views: ApprovalView[]): Promise<MessageRef> {
    this.#printDigest(views);
    return { channel: 'console', ts: `digest-${views[0]?.requestId ?? 'empty'}` };
  }

  async updateDigest(_ref: MessageRef, views: ApprovalView[]): Promise<void> {
    this.#printDigest(views);
  }

  /** One line per request, with its commands while it waits (the terminal is not a shared channel, but stays short). */
  #printDigest(views: ApprovalView[]): void {
    const lines = [`── approval digest: ${views.length} request${views.length === 1 ? '' : 's'} from ${views[0]?.requester.email ?? views[0]?.requester.sub ?? 'unknown'}`];
    for (const v of views) {
      const approvals = v.votes.filter((x) => x.vote === 'approve').length;
      lines.push(`   ${v.requestId} ${v.status} (${approvals}/${v.approvalsRequired}, ${v.risk}) sha256 ${v.sqlHash.slice(0, 12)}…: ${oneLine(v.sql, 200)}`);
      if (v.status === 'pending_approval') lines.push(`      approve: ${this.#cli} approve ${v.requestId} --as ${v.approvers[0] ?? '<SLACK_USER_ID>'}`);
    }
    this.#print(lines.join('\n'));
  }

  async tellUser(_ref: MessageRef | null, slackUserId: string, text: string): Promise<void> {
    this.#print(`── to ${slackUserId}: ${text}`);
  }
}

/** Control characters could rewrite the operator's terminal; the full text is in the records. */
function oneLine(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}… (${flat.length} chars)` : flat;
}
