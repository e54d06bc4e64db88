import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyRing } from '#shared/records/key-id.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { renderTranscriptHtml } from '#cli/transcript.js';
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

  it('says plainly when the chain does not verify, naming the record', () => {
    const tampered = [...lines];
    tampered[2] = (tampered[2] as string).replace('=cmd', '=cmx');
    const html = render(tampered);
    expect(html).toContain('✘ NOT verified.</b> Record #3 of session html-1 fails: hash_mismatch');
    expect(html).not.toContain('✔ Verified.');
  });
});
