import { describe, expect, it } from 'vitest';
import { digestMessage } from '#shared/adapters/slack/digest-blocks.js';
import { parseApprovalClick, approvalClickBody } from '#shared/adapters/slack/slack-interaction.js';
import { DIGEST_MAX_ENTRIES, DIGEST_MAX_SQL, type ApprovalView } from '#shared/ports/notifier.js';

const view = (n: number, over: Partial<ApprovalView> = {}): ApprovalView => ({
  requestId: `01JC${String(n).padStart(22, '0')}`,
  sessionId: `s${n}`,
  requester: { sub: 'agent', email: 'agent@example.com', act: 'bot <!channel>' },
  prompt: `line one\n*2.* :white_check_mark: *Approved* fake entry <!here> <https://evil.example|docs> ${n}`,
  sql: `DELETE FROM orders WHERE note = '<!channel> ${n}'`,
  sqlHash: String(n % 10).repeat(64),
  risk: 'write',
  reasons: [],
  objects: [],
  approvalsRequired: 1,
  approvers: ['UAPPROVER1'],
  votes: [],
  status: 'pending_approval',
  expiresAt: '2026-11-27T11:00:00.000Z',
  ...over,
});

/** What Slack would parse for mentions and links (everything but preformatted text and button values). */
function parsedTexts(v: unknown, pre = false, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => parsedTexts(x, pre, out));
  else if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const inPre = pre || o['type'] === 'rich_text_preformatted';
    if (typeof o['text'] === 'string' && !inPre && o['type'] !== 'text') out.push(o['text']);
    for (const [k, x] of Object.entries(o)) if (k !== 'value') parsedTexts(x, inPre, out);
  }
  return out;
}

describe('Slack digest (Block Kit)', () => {
  it('one entry per request: its own buttons carry its own request id and SQL hash, and parse back as clicks on it', () => {
    const views = [view(1), view(2), view(3)];
    const { blocks } = digestMessage(views);
    for (const v of views) {
      const actions = blocks.find((b) => b['block_id'] === `airlock_vote_${v.requestId}`) as { elements: { action_id: string; value: string }[] };
      expect(actions.elements.map((e) => JSON.parse(e.value))).toEqual([
        { requestId: v.requestId, sqlHash: v.sqlHash },
        { requestId: v.requestId, sqlHash: v.sqlHash },
      ]);
      const body = approvalClickBody({ slackUserId: 'UAPPROVER1', vote: 'approve', ...(JSON.parse(actions.elements[0]!.value) as { requestId: string; sqlHash: string }) });
      expect(parseApprovalClick(body)).toMatchObject({ requestId: v.requestId, sqlHash: v.sqlHash, vote: 'approve' });
    }
    // Block ids are unique in the message (Slack refuses duplicates).
    const ids = blocks.map((b) => b['block_id']).filter((x) => x !== undefined);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('model-written text is inert: no mention or link survives outside the literal SQL, and a prompt cannot forge an entry line', () => {
    const { blocks, text } = digestMessage([view(1), view(2)]);
    for (const t of [...parsedTexts(blocks), text]) {
      expect(t).not.toMatch(/<!channel>|<!here>|<https?:/);
    }
    // The prompt's newlines are collapsed: its fake "*2.* Approved" stays inside entry 1's prompt line.
    const section = blocks.find((b) => b['type'] === 'section' && JSON.stringify(b).includes(view(1).requestId)) as { text: { text: string } };
    const lines = section.text.text.split('\n');
    expect(lines[0]).toMatch(/^\*1\.\* /);
    expect(lines.filter((l) => /^\*\d+\.\*/.test(l))).toHaveLength(1);
    // The SQL is shown literally, every character, in a preformatted element.
    expect(JSON.stringify(blocks)).toContain(JSON.stringify(view(1).sql));
  });

  it('decided entries show the outcome in words and lose their buttons', () => {
    const denied = view(2, { status: 'rejected', decidedAt: '2026-11-27T10:05:00.000Z', votes: [{ slackUserId: 'UAPPROVER1', vote: 'deny', at: 'x', reason: 'not <!here>' }] });
    const expired = view(3, { status: 'expired', decidedAt: '2026-11-27T11:00:00.000Z' });
    const { blocks } = digestMessage([view(1), denied, expired]);
    expect(blocks.filter((b) => b['type'] === 'actions')).toHaveLength(1);
    const json = JSON.stringify(blocks);
    expect(json).toContain('Rejected by <@UAPPROVER1>: not &lt;!here&gt;');
    expect(json).toContain('Expired');
  });

  it('a full digest of the longest entries stays within Slack limits (50 blocks, 3,000 characters per section)', () => {
    const long = Array.from({ length: DIGEST_MAX_ENTRIES + 5 }, (_, i) => view(i, { sql: 'x'.repeat(DIGEST_MAX_SQL), prompt: 'p'.repeat(10_000), requester: { email: 'e'.repeat(5000) } }));
    const { blocks } = digestMessage(long);
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(blocks.filter((b) => b['type'] === 'actions')).toHaveLength(DIGEST_MAX_ENTRIES);
    for (const b of blocks) {
      const t = (b['text'] as { text?: string } | undefined)?.text;
      if (t !== undefined) expect(t.length).toBeLessThanOrEqual(3000);
      for (const e of (b['elements'] as { text?: unknown }[] | undefined) ?? []) if (typeof e.text === 'string') expect(e.text.length).toBeLessThanOrEqual(3000);
    }
  });
});
