import { describe, expect, it } from 'vitest';
import { approvalMessage, MAX_INLINE_SQL } from '#shared/adapters/slack/approval-blocks.js';
import { parseApprovalClick, approvalClickBody } from '#shared/adapters/slack/slack-interaction.js';
import { escapeSlack } from '#shared/adapters/slack/slack-text.js';
import type { ApprovalView } from '#shared/ports/notifier.js';

const view = (over: Partial<ApprovalView> = {}): ApprovalView => ({
  requestId: '01JC0000000000000000000000',
  sessionId: 's1',
  requester: { sub: 'agent', email: 'agent@example.com' },
  prompt: 'Hey <!channel> and <@U999> — see <https://evil.example|the docs> & @here',
  sql: "GRANT SELECT ON TABLE orders TO ROLE analyst /* <!here> */",
  sqlHash: 'a'.repeat(64),
  risk: 'privileged',
  reasons: [{ code: 'grant', message: 'GRANT <@U1> changes privileges' }],
  objects: ['DEMO.MAIN.ORDERS'],
  approvalsRequired: 2,
  approvers: ['UAPPROVER1', 'UAPPROVER2'],
  votes: [],
  status: 'pending_approval',
  expiresAt: '2026-11-27T11:00:00.000Z',
  ...over,
});

/** Every mrkdwn/plain text in the blocks, i.e. what Slack would parse for mentions and links. */
function parsedTexts(blocks: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, inPreformatted: boolean): void => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, inPreformatted));
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    const pre = inPreformatted || o['type'] === 'rich_text_preformatted';
    if (typeof o['text'] === 'string' && !pre && o['type'] !== 'text') out.push(o['text']);
    for (const [k, x] of Object.entries(o)) if (k !== 'value') walk(x, pre);
  };
  walk(blocks, false);
  return out;
}

describe('approval message (Block Kit)', () => {
  it('escapes model-written text: no mention, channel ping or forged link survives', () => {
    const m = approvalMessage(view());
    const texts = parsedTexts(m.blocks).join('\n');
    expect(texts).not.toMatch(/<!channel>|<!here>|<@U999>|<https:\/\/evil/);
    expect(texts).toContain('&lt;!channel&gt;');
    expect(texts).toContain('&lt;https://evil.example|the docs&gt;');
    expect(m.text).not.toContain('<');
    // every mrkdwn object is verbatim: Slack does not auto-link names or URLs in it
    const mrkdwn: Record<string, unknown>[] = [];
    JSON.parse(JSON.stringify(m.blocks), (_k, v: unknown) => {
      if (typeof v === 'object' && v !== null && (v as Record<string, unknown>)['type'] === 'mrkdwn') mrkdwn.push(v as Record<string, unknown>);
      return v;
    });
    expect(mrkdwn.length).toBeGreaterThan(3);
    for (const t of mrkdwn) expect(t['verbatim']).toBe(true);
  });

  it('shows the SQL literally (preformatted rich text, every character), with its hash, risk, reasons, objects, votes, expiry and buttons', () => {
    const m = approvalMessage(view({ votes: [{ slackUserId: 'UAPPROVER1', vote: 'approve', at: '2026-11-27T10:01:00.000Z' }] }));
    const json = JSON.stringify(m.blocks);
    const pre = m.blocks.find((b) => b['type'] === 'rich_text') as { elements: { elements: { text: string }[] }[] };
    expect(pre.elements[0]?.elements[0]?.text).toBe(view().sql);
    expect(m.sqlAsFile).toBe(false);
    expect(json).toContain('a'.repeat(64));
    expect(json).toContain('privileged');
    expect(json).toContain('DEMO.MAIN.ORDERS');
    expect(json).toContain('1 / 2');
    expect(json).toContain('2026-11-27T11:00:00.000Z');
    const actions = m.blocks.find((b) => b['type'] === 'actions') as { elements: { action_id: string; value: string }[] };
    expect(actions.elements.map((e) => e.action_id)).toEqual(['airlock_approve', 'airlock_deny']);
    expect(JSON.parse(actions.elements[0]!.value)).toEqual({ requestId: view().requestId, sqlHash: 'a'.repeat(64) });
  });

  it('sends SQL too long for a block as a file (flag) and says so in the message', () => {
    const m = approvalMessage(view({ sql: `SELECT ${'x,'.repeat(MAX_INLINE_SQL)} 1` }));
    expect(m.sqlAsFile).toBe(true);
    expect(m.blocks.some((b) => b['type'] === 'rich_text')).toBe(false);
    expect(JSON.stringify(m.blocks)).toContain('attached as `airlock-01JC0000000000000000000000.sql`');
  });

  it('a decided request has no buttons and shows who decided', () => {
    const m = approvalMessage(view({ status: 'rejected', decidedAt: '2026-11-27T10:05:00.000Z', votes: [{ slackUserId: 'UAPPROVER2', vote: 'deny', at: '2026-11-27T10:05:00.000Z' }] }));
    expect(m.blocks.some((b) => b['type'] === 'actions')).toBe(false);
    expect(JSON.stringify(m.blocks)).toContain('denied by <@UAPPROVER2>');
    expect(JSON.stringify(m.blocks)).toContain('Rejected');
  });

  it('escapeSlack escapes exactly &, < and >', () => {
    expect(escapeSlack('a & b < c > d "e"')).toBe('a &amp; b &lt; c &gt; d "e"');
  });
});

describe('interaction payloads', () => {
  it('round-trips a click the CLI builds through the parser the endpoint uses', () => {
    const body = approvalClickBody({ slackUserId: 'UAPPROVER1', vote: 'deny', requestId: 'R1', reason: 'no' });
    expect(parseApprovalClick(body)).toEqual({ slackUserId: 'UAPPROVER1', vote: 'deny', requestId: 'R1', reason: 'no' });
  });

  it.each([
    ['no payload', 'foo=bar'],
    ['payload not JSON', 'payload=%7Bnope'],
    ['another interaction type', `payload=${encodeURIComponent(JSON.stringify({ type: 'view_submission' }))}`],
    ['another action', `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { id: 'U1' }, actions: [{ action_id: 'x', value: '{}' }] }))}`],
    ['no request in the value', `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { id: 'U1' }, actions: [{ action_id: 'airlock_approve', value: '{}' }] }))}`],
  ])('refuses %s with ERR_VALIDATION', (_n, body) => {
    expect(() => parseApprovalClick(body)).toThrow(expect.objectContaining({ code: 'ERR_VALIDATION' }));
  });
});
