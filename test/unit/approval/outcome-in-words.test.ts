import { describe, expect, it } from 'vitest';
import { renderRequest } from '#cli/mcp/render-outcome.js';
import { renderTranscript, renderTranscriptHtml } from '#cli/transcript.js';
import { approvalMessage } from '#shared/adapters/slack/approval-blocks.js';
import { keyRing } from '#shared/records/key-id.js';
import type { SessionRecord } from '#shared/records/types.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { approvalView } from '#shared/use-cases/approval-view.js';
import { recordVote } from '#shared/use-cases/record-vote.js';
import { requestRecords } from '#shared/use-cases/request-records.js';
import { submitQuery } from '#shared/use-cases/submit-query.js';
import { decisionOf } from '#shared/http/handlers/get-query.js';
import type { RequestView } from '#cli/mcp/gateway-client.js';
import { agent, approvalFixture, policyWith, untilWaiting } from './approval-fixture.js';

const REASON = 'not during the quarter-end freeze <b>';

async function rejectedWithAttempts() {
  const f = await approvalFixture({ policy: policyWith(3) });
  const requester = { ...agent, email: 'approver3@example.com' };
  const out = await submitQuery(f.deps, requester, { prompt: 'clean', sql: "DELETE FROM orders WHERE status = 'void'", sessionId: 's1' });
  const id = out.body['requestId'] as string;
  await untilWaiting(f.deps, id);
  await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER3', vote: 'approve' }); // the requester: refused
  await recordVote(f.deps, { requestId: id, slackUserId: 'UMALLORY', vote: 'approve' }); // not an approver: refused
  await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER2', vote: 'deny', reason: REASON });
  await f.deps.workflow.settled();
  const item = (await f.deps.requests.get(id))!;
  return { f, id, item };
}

describe('the requester sees the outcome in words', () => {
  it('GET /v1/queries/{id} decision and the MCP get_query_result say who rejected it and why', async () => {
    const { item } = await rejectedWithAttempts();
    const decision = decisionOf(item);
    expect(decision).toMatchObject({ outcome: 'rejected', by: ['approver2@example.com'], reason: REASON });
    const view: RequestView = {
      requestId: item.requestId,
      sessionId: item.sessionId,
      status: 'rejected',
      risk: item.risk,
      approvalsRequired: item.approvalsRequired,
      votes: item.votes,
      expiresAt: item.expiresAt ?? null,
      ...(decision === null ? {} : { decision }),
    };
    const text = renderRequest(view).content.map((c) => ('text' in c ? c.text : '')).join('\n');
    expect(text).toContain('Rejected by approver2@example.com');
    expect(text).toContain(`Reason given: ${REASON}`);
  });

  it('the Slack message names the denier and the reason once decided', async () => {
    const { f, item } = await rejectedWithAttempts();
    const { requested } = await requestRecords(f.deps.records, item);
    const msg = JSON.stringify(approvalMessage(approvalView(item, requested)).blocks);
    expect(msg).toContain('rejected by <@UAPPROVER2>');
    expect(msg).toContain('not during the quarter-end freeze &lt;b&gt;');
  });

  it('the replay (text and HTML) shows the refused attempts, who made them and why', async () => {
    const { f } = await rejectedWithAttempts();
    const lines = await f.deps.records.list('s1');
    const ring = keyRing([await f.deps.signer.publicKeyPem()]);
    const verdict = verifyChain(lines, ring);
    const types = lines.map((l) => (JSON.parse(l) as SessionRecord).type);
    expect(types).toEqual(['query.requested', 'approval.requested', 'approval.refused', 'approval.refused', 'approval.rejected']);
    const html = renderTranscriptHtml(lines, verdict, [...ring.keys()]);
    expect(html).toContain('Refused click by');
    expect(html).toContain('Attempted self-approval');
    expect(html).toContain('UMALLORY');
    expect(html).toContain('Not an approver');
    expect(html).not.toContain('freeze <b>');
    expect(html).toContain('quarter-end freeze');
    const text = renderTranscript(lines, verdict, [...ring.keys()]);
    expect(text).toMatch(/approval\.refused .*UAPPROVER3/);
    expect(text).toContain('self_approval');
  });
});
