import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { approvalClickBody } from '#shared/adapters/slack/slack-interaction.js';
import { slackSignature } from '#shared/adapters/slack/slack-signature.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { classify } from '#shared/sql/classify.js';
import { removeDir, startTestRuntime, type TestRuntime } from '#test/helpers/local-runtime.js';
import { UNPACED_IDENTITY, writeDefaultPolicyWith } from '#test/helpers/default-policy-file.js';

/**
 * Hostile input through the real HTTP server: each gets the class the risk rules give or a clean
 * 4xx with a stable code — never a 5xx, a stack trace or a dead process — and memory stays bounded.
 * (Malformed JSON, `[` × 10,000, over-limit prompt/SQL/body, `../etc` session ids and a `..%2F` request
 * id are covered in test/e2e/read-path.test.ts and not repeated here.)
 */
let t: TestRuntime;
let agent: string;
beforeAll(async () => {
  // One identity sends every hostile statement here, several of them 100–256 KiB back to back: each costs
  // its length of the request pace (a whole burst), so the pace is lifted — it has tests of its own
  // (test/e2e/fair-use.test.ts); what is tried here is the classifier, the server and the chain.
  // Everything else is the shipped policy, its column masking rules included.
  const policyDir = mkdtempSync(join(tmpdir(), 'airlock-abuse-policy-'));
  t = await startTestRuntime({ AIRLOCK_POLICY: writeDefaultPolicyWith(join(policyDir, 'policy.yaml'), { perIdentity: UNPACED_IDENTITY }) });
  agent = await t.token();
});
afterAll(async () => {
  await t.close();
  removeDir(t.dir);
});

const NO_STACK = /\bat .*\.[jt]s:\d+/;

async function records(sessionId: string): Promise<string[]> {
  const res = await t.get(`/v1/sessions/${sessionId}`, agent);
  if (res.status === 404) return [];
  return (res.json.records as unknown[]).map((r) => JSON.stringify(r));
}

async function chainOk(sessionId: string): Promise<boolean> {
  const { keys, certificates } = (await t.get('/v1/keys')).json as { keys: Array<{ keyId: string; pem: string }>; certificates: string[] };
  return verifyChain(await records(sessionId), new Map(keys.map((k) => [k.keyId, k.pem])), { certificates }).ok;
}

/** A raw HTTP request (no client-side path normalisation, any headers, a streamed body). */
function raw(opts: { method?: string; path: string; headers?: Record<string, string | string[]>; chunks?: number; chunkBytes?: number }): Promise<{ status: number; body: string }> {
  const url = new URL(t.rt.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    // The server may answer and close before a large body is sent: the answer is what counts.
    req.on('error', reject);
    const chunk = Buffer.alloc(opts.chunkBytes ?? 0, 0x61);
    let left = opts.chunks ?? 0;
    const pump = () => {
      while (left > 0) {
        left--;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('statements the classifier must survive, answered with the class the rules give', () => {
  it('10,000 statements: classified privileged (M1), its write-ahead record exceeds the item limit → clean 413, nothing recorded or run', async () => {
    const sql = 'SELECT 1;'.repeat(10_000);
    expect(classify(sql).risk).toBe('privileged');
    const res = await t.post('/v1/queries', { prompt: 'many', sql, sessionId: 'abuse-many' }, agent);
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('ERR_ITEM_TOO_LARGE');
    expect(await records('abuse-many')).toEqual([]);
  });

  it('a character not allowed every other character (30,000 NULs): refused 400 (DuckDB may read them as spaces) with a short list of reasons, recorded', async () => {
    const sql = `SELECT 1\n${'\u0000a'.repeat(30_000)}`;
    const res = await t.post('/v1/queries', { prompt: 'nul', sql, sessionId: 'abuse-nul' }, agent);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('ERR_SQL_AMBIGUOUS');
    // Before: one reason per NUL from the lexer and one per NUL from the DuckDB guard, a write-ahead
    // record of 10 MB → 413 with nothing recorded, after seconds of the event loop.
    expect(res.json.reasons.length).toBeLessThanOrEqual(50);
    const messages = res.json.reasons.map((r: { message: string }) => r.message);
    expect(messages).toContainEqual(expect.stringMatching(/more places the text cannot be read \(not listed\)/));
    expect(messages).toContainEqual(expect.stringMatching(/more places DuckDB would read differently \(not listed\)/));
    expect((await records('abuse-nul')).map((r) => (JSON.parse(r) as { type: string }).type)).toEqual(['query.requested', 'query.denied']);
    expect(await chainOk('abuse-nul')).toBe(true);
  });

  it('256 KiB of nested parentheses: read (as classified), the warehouse refuses it → 422 query.failed, the chain verifies', async () => {
    const depth = Math.floor((256 * 1024 - 8) / 2);
    const sql = `SELECT ${'('.repeat(depth)}1${')'.repeat(depth)}`;
    expect(Buffer.byteLength(sql)).toBeLessThanOrEqual(256 * 1024);
    expect(classify(sql).risk).toBe('read');
    const res = await t.post('/v1/queries', { prompt: 'nested', sql, sessionId: 'abuse-nested' }, agent);
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ risk: 'read', status: 'failed', error: { code: 'ERR_WAREHOUSE' } });
    expect(JSON.stringify(res.json)).not.toMatch(NO_STACK);
    expect((await records('abuse-nested')).map((r) => JSON.parse(r).type)).toEqual(['query.requested', 'query.failed']);
    expect(await chainOk('abuse-nested')).toBe(true);
  });

  it('nested parentheses inside a DELETE stay a write: 202, nothing runs', async () => {
    const sql = `DELETE FROM orders WHERE id = ${'('.repeat(20_000)}1${')'.repeat(20_000)}`;
    const res = await t.post('/v1/queries', { prompt: 'nested write', sql }, agent);
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ risk: 'write', status: 'pending_approval' });
  });
});

describe('prompts and SQL with control characters and invalid UTF-16', () => {
  it('control characters, bidi overrides and NUL in the prompt are recorded exactly and the chain verifies', async () => {
    const prompt = 'a\u0000b\u0007c\u001b[31mred\u001b[0m\u202edesrever\u2028line\r\n\tend\u007f\ufeff';
    const res = await t.post('/v1/queries', { prompt, sql: 'SELECT 1 AS one', sessionId: 'abuse-ctl' }, agent);
    expect(res.status).toBe(200);
    const [requested] = await records('abuse-ctl');
    expect(JSON.parse(requested!).body.prompt).toBe(prompt);
    expect(await chainOk('abuse-ctl')).toBe(true);
  });

  it.each([
    ['a lone high surrogate in the prompt', '{"prompt":"a\\ud800b","sql":"SELECT 1"}'],
    ['a lone low surrogate in the prompt', '{"prompt":"\\udfff","sql":"SELECT 1"}'],
    ['reversed surrogate pair in the SQL', '{"prompt":"p","sql":"SELECT \'\\udc00\\ud800\'"}'],
    ['a lone surrogate in the session id', '{"prompt":"p","sql":"SELECT 1","sessionId":"s\\ud800"}'],
    ['a lone surrogate in the idempotency key', '{"prompt":"p","sql":"SELECT 1","idempotencyKey":"\\ud800"}'],
  ])('%s → 400, nothing recorded', async (_name, body) => {
    const res = await t.post('/v1/queries', body, agent);
    expect(res.status).toBe(400);
    expect(['ERR_VALIDATION', 'ERR_BAD_ID']).toContain(res.json.error.code);
  });

  it('invalid UTF-8 bytes in the body are a clean 4xx, not a 5xx', async () => {
    const bytes = Buffer.concat([Buffer.from('{"prompt":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from('","sql":"SELECT 1 AS one"}')]);
    const url = new URL('/v1/queries', t.rt.url);
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${agent}`, 'content-type': 'application/json' }, body: bytes });
    expect(res.status).toBeLessThan(500);
  });
});

describe('JSON bombs', () => {
  it.each([
    ['100,000 nested objects', `{"prompt":"p","sql":"SELECT 1","sessionId":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`],
    ['nesting inside a string field', `{"prompt":${'['.repeat(50_000)}${']'.repeat(50_000)},"sql":"SELECT 1"}`],
    ['200,000 keys', `{${Array.from({ length: 200_000 }, (_, i) => `"k${i}":0`).join(',')},"prompt":"p","sql":"SELECT 1"}`],
    ['a number with a million digits', `{"prompt":"p","sql":"SELECT 1","idempotencyKey":${'9'.repeat(1_000_000)}}`],
  ])('%s → 4xx with a stable code', async (_name, body) => {
    const res = await t.post('/v1/queries', body, agent);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.json.error.code).toMatch(/^ERR_/);
  });
});

describe('header floods', () => {
  it('a 20 KiB header is refused by the server with 431 before any handler runs', async () => {
    const res = await raw({ path: '/v1/health', headers: { 'x-flood': 'a'.repeat(20 * 1024) } });
    expect(res.status).toBe(431);
  });

  it('500 small headers are served; 1,500 are refused with a clean 4xx by node\'s parser', async () => {
    const headers = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x${i}`, '1']));
    expect((await raw({ path: '/v1/health', headers: headers(500) })).status).toBe(200);
    const flood = await raw({ path: '/v1/health', headers: headers(1_500) });
    expect([400, 431]).toContain(flood.status);
  });

  it('an Authorization header repeated 200 times (120 KiB) is refused with 431 before any token is read', async () => {
    const res = await raw({ method: 'POST', path: '/v1/queries', headers: { authorization: Array.from({ length: 200 }, () => `Bearer ${agent}`), 'content-type': 'application/json' } });
    expect(res.status).toBe(431);
  });
});

describe('path traversal and ids that are not ids', () => {
  it.each([
    ['/v1/sessions/../../../etc/passwd', [400, 404]],
    ['/v1/sessions/..%2F..%2F..%2Fetc%2Fpasswd', [400]],
    ['/v1/queries/..%5C..%5Cwindows', [400]],
    ['/v1/queries/%00', [400]],
    ['/v1/queries/%ZZ', [400, 404]],
    [`/v1/queries/${'A'.repeat(300)}`, [400]],
    ['/v1/queries/01ARZ3NDEKTSV4RRFFQ69G5FA%3F', [400]],
    ['/v1/queries/1%20OR%201=1', [400]],
    ['/v1/sessions/%F0%9F%92%A3', [400]],
    ['/v1/sessions/a%0d%0aSet-Cookie:%20x=1', [400]],
    ['/v1/queries/01ARZ3NDEKTSV4RRFFQ69G5FAV/../../keys', [200, 400, 404]],
  ] as const)('GET %s → %j', async (path, statuses) => {
    const res = await raw({ path, headers: { authorization: `Bearer ${agent}` } });
    expect(statuses as readonly number[]).toContain(res.status);
    expect(res.body).not.toMatch(NO_STACK);
    expect(res.body).not.toMatch(/root:/);
  });

  it.each([
    ['empty', ''],
    ['65 characters', 'a'.repeat(65)],
    ['a slash', 'a/b'],
    ['a NUL', 'a\u0000b'],
    ['an emoji', 'sess💣'],
    ['a number', 42],
    ['null', null],
  ])('a sessionId that is %s → 400', async (_name, sessionId) => {
    const res = await t.post('/v1/queries', { prompt: 'p', sql: 'SELECT 1', sessionId }, agent);
    expect(res.status).toBe(400);
  });

  it.each([
    ['../../etc/passwd'],
    ['not-a-ulid'],
    ['01ARZ3NDEKTSV4RRFFQ69G5FAV\u0000'],
  ])('a signed Slack click naming request %j is a clean answer that records nothing', async (requestId) => {
    const body = approvalClickBody({ slackUserId: 'UAPPROVER1', vote: 'approve', requestId });
    const ts = String(Math.floor(Date.now() / 1000));
    const secret = readFileSync(`${t.dir}/keys/slack-signing-secret`, 'utf8').trim();
    const res = await t.post('/slack/interactions', body, undefined, { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSignature(secret, ts, body) });
    expect(res.status).toBeLessThan(500);
    if (res.status === 200) expect(res.json.recorded).toBe(false);
  });
});

describe('memory stays bounded', () => {
  it('ten concurrent 16 MiB streamed bodies are refused with 413 without being buffered', async () => {
    const before = process.memoryUsage().rss;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        raw({ method: 'POST', path: '/v1/queries', headers: { authorization: `Bearer ${agent}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, chunks: 256, chunkBytes: 64 * 1024 }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(413));
    // 160 MiB went in; buffering it would grow the process by at least that much.
    expect(process.memoryUsage().rss - before).toBeLessThan(96 * 1024 * 1024);
    expect((await t.get('/v1/health')).status).toBe(200);
  });
});
