import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyRing } from '#shared/records/key-id.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { renderTranscript, renderTranscriptHtml } from '#cli/transcript.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';
import { AGENT, conversation, newWorld, type World } from '#test/fixtures/export/export-fixtures.js';
import { appendRecord } from '#shared/use-cases/append-record.js';

const t = tempDir('airlock-html-');
let w: World;
let lines: string[];
beforeAll(async () => {
  w = await newWorld(t.dir);
  await conversation(w, 'html-1', { actor: { ...AGENT, email: '<img src=x onerror=alert(1)>@example.com' } });
  await appendRecord({ records: w.records, signer: w.signer, clock: w.clock }, {
    sessionId: 'html-1', requestId: 'r9', type: 'query.requested', actor: AGENT,
    body: { prompt: '</blockquote><script>alert("x")</script>', sql: "SELECT '<b>' AS \"<th>\"", sqlHash: 'e'.repeat(64), risk: 'read', decision: { outcome: 'allow', approvalsRequired: 0 }, reasons: [], objects: [] },
  });
  lines = await w.records.list('html-1');
});
afterAll(() => t.cleanup());

const render = (ls: string[]) => renderTranscriptHtml(ls, verifyChain(ls, keyRing([w.signer.publicKey()])), [...keyRing([w.signer.publicKey()]).keys()]);

describe('replay --html', () => {
  it('is one self-contained page: no scripts, no external resources, a CSP forbidding both', () => {
    const html = render(lines);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<[^>]*\b(src|href)=/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).not.toContain('<img');
  });

  it('escapes every value taken from the records', () => {
    const html = render(lines);
    expect(html).toContain('&#60;/blockquote&#62;&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;@example.com');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;'); // a result cell
  });

  it('puts the verification status first, then a readable timeline per request', () => {
    const html = render(lines);
    const status = html.indexOf('✔ Verified.');
    expect(status).toBeGreaterThan(0);
    expect(status).toBeLessThan(html.indexOf('Request 1'));
    expect(html).toContain('first customers');
    expect(html).toContain('SELECT id, email FROM customers LIMIT 2');
    expect(html).toMatch(/write risk<\/span> changes data — Airlock's decision: <b>needed human approval<\/b> \(1 approval\(s\) required\)/);
    expect(html).toContain('Approved by approver1@example.com');
    expect(html).toContain('<th class="masked">email<br><small>masked: email</small></th>');
    expect(html).toContain('Refused');
    expect(html).toContain('Outcome unknown'); // r9 never ended
  });

  it('names approvers who have not voted by name and email from the policy, like those who have; Slack ids only in the details', async () => {
    await appendRecord({ records: w.records, signer: w.signer, clock: w.clock }, {
      sessionId: 'html-2', requestId: 'p1', type: 'approval.requested', actor: { kind: 'system' },
      body: { sqlHash: 'f'.repeat(64), approvalsRequired: 2, approvers: ['UAPPROVER1', 'UAPPROVER2', 'UNOTLISTED'], expiresAt: '2026-03-01T13:00:00.000Z' },
    });
    const pending = await w.records.list('html-2');
    const ring = keyRing([w.signer.publicKey()]);
    const { approvers } = loadPolicy();
    const html = renderTranscriptHtml(pending, verifyChain(pending, ring), [...ring.keys()], { approvers });
    expect(html).toContain('2 approval(s) needed from Demo Approver One (approver1@example.com), Demo Approver Two (approver2@example.com), Slack user UNOTLISTED');
    const visible = html.replace(/<details>[\s\S]*<\/details>/, '');
    expect(visible).not.toMatch(/UAPPROVER/);
    expect(html).toMatch(/<details>[\s\S]*Demo Approver One \(approver1@example\.com\) = UAPPROVER1; Demo Approver Two \(approver2@example\.com\) = UAPPROVER2[\s\S]*<\/details>/);
    // A voter shows by the same name and email once approved (the recorded email, the policy's name).
    const voted = render(lines).replace(/<details>[\s\S]*<\/details>/, '');
    expect(renderTranscriptHtml(lines, verifyChain(lines, ring), [...ring.keys()], { approvers })).toContain('Approved by Demo Approver One (approver1@example.com)');
    expect(voted).toContain('Approved by approver1@example.com'); // without a policy: the email the vote recorded
    expect(voted).not.toMatch(/UAPPROVER/);
    const text = renderTranscript(pending, verifyChain(pending, ring), [...ring.keys()], { approvers });
    expect(text).toContain('needs 2 approval(s) from Demo Approver One (approver1@example.com) [Slack UAPPROVER1], Demo Approver Two (approver2@example.com) [Slack UAPPROVER2], Slack user UNOTLISTED by');
  });

  it('escapes names and emails that come from the policy', async () => {
    const ring = keyRing([w.signer.publicKey()]);
    const pending = await w.records.list('html-2');
    const html = renderTranscriptHtml(pending, verifyChain(pending, ring), [...ring.keys()], {
      approvers: [{ slackUserId: 'UAPPROVER1', email: 'a@example.com', name: '<script>x</script>' }],
    });
    expect(html).not.toContain('<script>x');
    expect(html).toContain('&#60;script&#62;x&#60;/script&#62; (a@example.com)');
  });

  it('says plainly when the chain does not verify, naming the record', () => {
    const tampered = [...lines];
    tampered[2] = (tampered[2] as string).replace('=cmd', '=cmx');
    const html = render(tampered);
    expect(html).toContain('✘ NOT verified.</b> Record #3 of session html-1 fails: hash_mismatch');
    expect(html).not.toContain('✔ Verified.');
  });
});
