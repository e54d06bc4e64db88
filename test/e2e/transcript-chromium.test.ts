import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTranscriptHtml } from '#cli/transcript.js';
import { keyRing } from '#shared/records/key-id.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { appendRecord } from '#shared/use-cases/append-record.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';
import { AGENT, conversation, newWorld } from '#test/fixtures/export/export-fixtures.js';

/** A headless Chromium on this machine, or null (CI installs one: .ci/run). */
function findChromium(): string | null {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    try {
      const path = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (path !== '') return path;
    } catch {
      // not this one
    }
  }
  return null;
}

/** RGBA pixels of an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes). */
function decodePng(buf: Buffer): { width: number; height: number; px: (x: number, y: number) => [number, number, number] } {
  let pos = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') [width, height, colorType] = [data.readUInt32BE(0), data.readUInt32BE(4), data[9]!];
    if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= bpp ? out[y * stride + x - bpp]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + x]! : 0;
      const c = x >= bpp && y > 0 ? out[(y - 1) * stride + x - bpp]! : 0;
      const p = a + b - c;
      const pr = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      out[y * stride + x] = (v + [0, a, b, (a + b) >> 1, pr][filter]!) & 0xff;
    }
  }
  return { width, height, px: (x, y) => [out[y * stride + x * bpp]!, out[y * stride + x * bpp + 1]!, out[y * stride + x * bpp + 2]!] };
}

const chromium = findChromium();
if (chromium === null) console.log('transcript-chromium: skipped: no chromium on PATH (apt-get install -y chromium; CI installs it in .ci/run)');

const t = tempDir('airlock-chromium-');
let html = '';
let refusedOnly = '';
beforeAll(async () => {
  const w = await newWorld(t.dir);
  await conversation(w, 'c1');
  // A page holding only a read that policy refused: its badge must be the refusal's colour, not the read's.
  await appendRecord({ records: w.records, signer: w.signer, clock: w.clock }, {
    sessionId: 'c2', requestId: 'r-deny', type: 'query.requested', actor: AGENT,
    body: { prompt: 'salaries', sql: 'SELECT * FROM hr.salaries', sqlHash: 'e'.repeat(64), risk: 'read', decision: { outcome: 'deny', approvalsRequired: 0 }, reasons: [], objects: [] },
  } as never);
  // A person's request sent by an agent acting for them, refused by policy.
  await appendRecord({ records: w.records, signer: w.signer, clock: w.clock }, {
    sessionId: 'c1', requestId: 'r-act', type: 'query.requested', actor: { ...AGENT, email: 'dana@example.com', sub: 'dana', act: { sub: 'claude-agent' } },
    body: { prompt: 'salaries', sql: 'SELECT * FROM hr.salaries', sqlHash: 'f'.repeat(64), risk: 'read', decision: { outcome: 'deny', approvalsRequired: 0 }, reasons: [{ code: 'SENSITIVE', message: 'reads DEMO.HR.SALARIES, a sensitive object (policy sensitive.objects[0]): denied' }], objects: [] },
  } as never);
  // A write still waiting for two approvers, neither of whom has voted: named from the policy.
  await appendRecord({ records: w.records, signer: w.signer, clock: w.clock }, {
    sessionId: 'c1', requestId: 'r-wait', type: 'approval.requested', actor: { kind: 'system' },
    body: { sqlHash: 'a'.repeat(64), approvalsRequired: 2, approvers: ['UAPPROVER1', 'UAPPROVER2'], expiresAt: '2026-03-01T14:00:00.000Z' },
  } as never);
  const lines = await w.records.list('c1');
  const keys = keyRing([w.signer.publicKey()]);
  html = renderTranscriptHtml(lines, verifyChain(lines, keys), [...keys.keys()], { approvers: loadPolicy().approvers });
  const c2 = await w.records.list('c2');
  refusedOnly = renderTranscriptHtml(c2, verifyChain(c2, keys), [...keys.keys()]);
});
afterAll(() => t.cleanup());

describe('replay --html reads like a report', () => {
  it('names people by name and email (voted or not), the agent as acting for its person, and keeps rule ids and Slack ids out of the text', () => {
    expect(html).toContain('Approved by Demo Approver One (approver1@example.com)');
    expect(html).toContain('agent claude-agent, acting for dana@example.com');
    expect(html).toContain('1 approval(s) needed from Demo Approver One (approver1@example.com),');
    expect(html).toContain('2 approval(s) needed from Demo Approver One (approver1@example.com), Demo Approver Two (approver2@example.com),');
    expect(html).toContain('title="rule SENSITIVE, policy sensitive.objects[0]"');
    const visible = html.replace(/<details>[\s\S]*<\/details>/, '').replace(/<[^>]+>/g, ' ');
    expect(visible).not.toContain('sensitive.objects[0]');
    expect(visible).not.toMatch(/UAPPROVER/);
  });

  it.skipIf(chromium === null)('renders in headless Chromium with the badge coloured by the decision', () => {
    const screenshot = (name: string, content: string) => {
      const page = join(t.dir, `${name}.html`);
      const shot = join(t.dir, `${name}.png`);
      writeFileSync(page, content);
      execFileSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--screenshot=${shot}`, '--window-size=1000,2400', `file://${page}`], { stdio: 'ignore', timeout: 60_000 });
      expect(existsSync(shot)).toBe(true);
      return decodePng(readFileSync(shot));
    };
    const count = (png: ReturnType<typeof decodePng>, rgb: [number, number, number]) => {
      let n = 0;
      for (let y = 0; y < png.height; y++) for (let x = 0; x < png.width; x++) {
        const p = png.px(x, y);
        if (p[0] === rgb[0] && p[1] === rgb[1] && p[2] === rgb[2]) n++;
      }
      return n;
    };
    const GREEN: [number, number, number] = [0xc8, 0xe6, 0xc9];
    const AMBER: [number, number, number] = [0xff, 0xe0, 0xb2];
    const RED: [number, number, number] = [0xb7, 0x1c, 0x1c];
    // The whole session: allow → green badge, approval → amber, deny → dark red, each a solid area.
    const all = screenshot('all', html);
    expect(count(all, GREEN)).toBeGreaterThan(100);
    expect(count(all, AMBER)).toBeGreaterThan(100);
    expect(count(all, RED)).toBeGreaterThan(100);
    // A refused read alone: red, and no green anywhere on the page.
    const refused = screenshot('refused', refusedOnly);
    expect(count(refused, RED)).toBeGreaterThan(100);
    expect(count(refused, GREEN)).toBe(0);
  }, 90_000);
});
