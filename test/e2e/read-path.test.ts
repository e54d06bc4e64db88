import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { removeDir, startTestRuntime, type TestRuntime } from '../helpers/local-runtime.js';
import { verifyChain } from '#shared/records/verify-chain.js';

let t: TestRuntime;
let agent: string;

beforeAll(async () => {
  t = await startTestRuntime();
  agent = await t.token();
});
afterAll(async () => {
  await t.close();
  removeDir(t.dir);
});

async function sessionRecords(sessionId: string, token = agent): Promise<string[]> {
  const res = await t.get(`/v1/sessions/${sessionId}`, token);
  expect(res.status).toBe(200);
  return (res.json.records as unknown[]).map((r) => JSON.stringify(r));
}

async function verifyWithServerKeys(records: string[]) {
  const { keys, certificates } = (await t.get('/v1/keys')).json as { keys: Array<{ keyId: string; pem: string }>; certificates: string[] };
  return verifyChain(records, new Map(keys.map((k) => [k.keyId, k.pem])), { certificates });
}

describe('local runtime: public endpoints', () => {
  it('answers health 200 and lists the record key by the SHA-256 of its SPKI', async () => {
    expect((await t.get('/v1/health')).status).toBe(200);
    const keys = (await t.get('/v1/keys')).json.keys as Array<{ keyId: string; alg: string; use: string; pem: string }>;
    const records = keys.filter((k) => k.use === 'records');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ alg: 'ECDSA_SHA_256' });
    expect(records[0]!.keyId).toMatch(/^[0-9a-f]{64}$/);
    expect(records[0]!.pem).toContain('BEGIN PUBLIC KEY');
    expect(createHash('sha256').update(createPublicKey(records[0]!.pem).export({ type: 'spki', format: 'der' })).digest('hex')).toBe(records[0]!.keyId);
  });

  it('serves the dev issuer JWKS', async () => {
    const jwks = (await t.get('/.well-known/jwks.json')).json;
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(jwks.keys[0].d).toBeUndefined();
  });

  it('answers unknown routes 404 and wrong methods 405 with stable codes', async () => {
    expect((await t.get('/v2/nothing')).json.error.code).toBe('ERR_NOT_FOUND');
    const res = await t.post('/v1/keys', {});
    expect(res.status).toBe(405);
    expect(res.json.error.code).toBe('ERR_METHOD_NOT_ALLOWED');
  });
});

describe('POST /v1/queries: allowed reads', () => {
  it('runs a read, masks customer emails, and records a signed chain that verifies', async () => {
    const res = await t.post('/v1/queries', { prompt: 'first customers', sql: 'SELECT id, name, email, phone FROM customers ORDER BY id LIMIT 5', sessionId: 'read-1' }, agent);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ sessionId: 'read-1', status: 'executed', risk: 'read', rowCount: 5, truncated: false });
    expect(res.json.columns.map((c: { name: string }) => c.name)).toEqual(['id', 'name', 'email', 'phone']);
    for (const row of res.json.rows) {
      expect(String(row.email)).not.toContain('@');
      expect(String(row.phone)).not.toMatch(/\d{3}.\d{4}$/);
    }
    expect(res.json.masked.map((m: { column: string }) => m.column)).toEqual(expect.arrayContaining(['email', 'phone']));
    expect(res.json.record.seq).toBe(2);

    const records = await sessionRecords('read-1');
    expect(records.map((r) => JSON.parse(r).type)).toEqual(['query.requested', 'query.executed']);
    const executed = JSON.parse(records[1]!);
    expect(executed.body.rows).toEqual(res.json.rows);
    expect(executed.hash).toBe(res.json.record.hash);
    expect(JSON.stringify(executed.body.rows)).not.toMatch(/@example\./);
    const verdict = await verifyWithServerKeys(records);
    expect(verdict.ok).toBe(true);
  });

  it('cuts results at the row limit and says so', async () => {
    const res = await t.post('/v1/queries', { prompt: 'all orders', sql: 'SELECT id, amount FROM orders' }, agent);
    expect(res.status).toBe(200);
    expect(res.json.rowCount).toBe(1000);
    expect(res.json.truncated).toBe(true);
  });

  it('records a warehouse failure as query.failed and answers 422', async () => {
    const res = await t.post('/v1/queries', { prompt: 'p', sql: "SELECT CAST('x' AS INTEGER) AS n", sessionId: 'fail-1' }, agent);
    expect(res.status).toBe(422);
    expect(res.json.status).toBe('failed');
    expect(res.json.error.code).toBe('ERR_WAREHOUSE');
    const records = await sessionRecords('fail-1');
    expect(records.map((r) => JSON.parse(r).type)).toEqual(['query.requested', 'query.failed']);
  });

  it('does not run a table function whose columns it cannot follow (read_text): it waits for approval', async () => {
    const res = await t.post('/v1/queries', { prompt: 'steal the key', sql: `SELECT * FROM read_text('${t.dir}/keys/records.pem')`, sessionId: 'exfil' }, agent);
    expect(res.status).toBe(202);
    expect(res.json.reasons.some((r: { code: string; message: string }) => r.code === 'M-INF' && r.message.includes('READ_TEXT'))).toBe(true);
    const records = await sessionRecords('exfil');
    expect(records.map((r) => JSON.parse(r).type)).toEqual(['query.requested', 'approval.requested']);
    expect(records.join('')).not.toContain('PRIVATE KEY');
  });
});

describe('POST /v1/queries: deny, approval, invalid', () => {
  it('denies a blocked statement with 403 and reasons, recorded, nothing executed', async () => {
    const res = await t.post('/v1/queries', { prompt: 'clean up', sql: 'DROP DATABASE analytics', sessionId: 'deny-1' }, agent);
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ status: 'denied', risk: 'blocked' });
    expect(res.json.reasons.some((r: { code: string }) => r.code === 'B1')).toBe(true);
    const records = await sessionRecords('deny-1');
    expect(records.map((r) => JSON.parse(r).type)).toEqual(['query.requested', 'query.denied']);
  });

  it('answers 202 for a write, records approval.requested, and runs nothing', async () => {
    const res = await t.post('/v1/queries', { prompt: 'fix order', sql: 'DELETE FROM orders WHERE id = 1', sessionId: 'write-1' }, agent);
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ status: 'pending_approval', risk: 'write', approvalsRequired: 1, approvers: ['UAPPROVER1', 'UAPPROVER2'] });
    expect(Date.parse(res.json.expiresAt)).toBeGreaterThan(Date.now());
    const still = await t.post('/v1/queries', { prompt: 'check', sql: 'SELECT count(*) AS n FROM orders WHERE id = 1' }, agent);
    expect(still.json.rows[0].n).toBe(1);
    const records = await sessionRecords('write-1');
    expect(records.map((r) => JSON.parse(r).type)).toEqual(['query.requested', 'approval.requested']);
    const status = await t.get(`/v1/queries/${res.json.requestId}`, agent);
    expect(status.json).toMatchObject({ status: 'pending_approval', approvalsRequired: 1, votes: [] });
  });

  it('refuses invalid SQL with 400 and records nothing', async () => {
    const res = await t.post('/v1/queries', { prompt: 'nothing', sql: '-- just a comment', sessionId: 'invalid-1' }, agent);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('ERR_SQL_INVALID');
    const session = await t.get('/v1/sessions/invalid-1', agent);
    expect(session.json.records ?? []).toEqual([]);
  });
});

describe('bad input gets a clear 4xx with a stable code', () => {
  const cases: Array<[string, () => Promise<{ status: number; json: any }>, number, string]> = [
    ['malformed JSON', () => t.post('/v1/queries', '{"prompt": ', agent), 400, 'ERR_BAD_JSON'],
    ['a JSON array', () => t.post('/v1/queries', '[1,2]', agent), 400, 'ERR_VALIDATION'],
    ['missing sql', () => t.post('/v1/queries', { prompt: 'x' }, agent), 400, 'ERR_VALIDATION'],
    ['sql not a string', () => t.post('/v1/queries', { prompt: 'x', sql: 42 }, agent), 400, 'ERR_VALIDATION'],
    ['unknown field', () => t.post('/v1/queries', { prompt: 'x', sql: 'SELECT 1', extra: 1 }, agent), 400, 'ERR_VALIDATION'],
    ['bad session id', () => t.post('/v1/queries', { prompt: 'x', sql: 'SELECT 1', sessionId: '../etc' }, agent), 400, 'ERR_BAD_ID'],
    ['deep nesting', () => t.post('/v1/queries', '['.repeat(10_000) + ']'.repeat(10_000), agent), 400, 'ERR_BAD_JSON'],
    ['prompt over 32 KiB', () => t.post('/v1/queries', { prompt: 'p'.repeat(32 * 1024 + 1), sql: 'SELECT 1' }, agent), 413, 'ERR_PROMPT_TOO_LARGE'],
    ['sql over 256 KiB', () => t.post('/v1/queries', { prompt: 'x', sql: `SELECT '${'a'.repeat(256 * 1024)}'` }, agent), 413, 'ERR_SQL_TOO_LARGE'],
    ['body over 1 MiB', () => t.post('/v1/queries', { prompt: 'x', sql: 'SELECT 1', pad: 'z'.repeat(1024 * 1024) }, agent), 413, 'ERR_BODY_TOO_LARGE'],
    ['wrong content type', () => t.post('/v1/queries', 'prompt=x', agent, { 'content-type': 'text/plain' }), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['request id that is not an id', () => t.get('/v1/queries/..%2F..%2Fetc', agent), 400, 'ERR_BAD_ID'],
    ['unknown request id', () => t.get('/v1/queries/01ARZ3NDEKTSV4RRFFQ69G5FAV', agent), 404, 'ERR_NOT_FOUND'],
  ];
  it.each(cases)('%s', async (_name, call, status, code) => {
    const res = await call();
    expect(res.status).toBe(status);
    expect(res.json.error.code).toBe(code);
    expect(JSON.stringify(res.json)).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

describe('tokens: every failure is a 401 with its own code, and nothing is recorded', () => {
  const now = () => Math.floor(Date.now() / 1000);
  async function signed(claims: Record<string, unknown>, opts: { iss?: string; aud?: string; exp?: number; nbf?: number } = {}) {
    const key = createPrivateKey(readIssuerKeyPem());
    const jwt = new SignJWT({ email: 'agent@example.com', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: (t.rt.devIssuer!.jwks().keys[0] as { kid: string }).kid })
      .setIssuer(opts.iss ?? 'https://airlock.local/dev')
      .setAudience(opts.aud ?? 'airlock')
      .setSubject('agent')
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? now() + 600);
    if (opts.nbf !== undefined) jwt.setNotBefore(opts.nbf);
    return jwt.sign(key);
  }
  function readIssuerKeyPem(): string {
    return readFileSync(`${t.dir}/keys/dev-issuer.pem`, 'utf8');
  }
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

  const cases: Array<[string, () => Promise<string | undefined>, string]> = [
    ['no token', async () => undefined, 'ERR_TOKEN_MISSING'],
    ['garbage', async () => 'not-a-jwt', 'ERR_TOKEN_MALFORMED'],
    ['alg none', async () => `${b64({ alg: 'none' })}.${b64({ sub: 'agent', iss: 'https://airlock.local/dev', aud: 'airlock', exp: now() + 600 })}.`, 'ERR_TOKEN_ALGORITHM'],
    ['expired', () => signed({}, { exp: now() - 3600 }), 'ERR_TOKEN_EXPIRED'],
    ['not yet valid', () => signed({}, { nbf: now() + 3600 }), 'ERR_TOKEN_NOT_YET_VALID'],
    ['wrong issuer', () => signed({}, { iss: 'https://evil.example' }), 'ERR_TOKEN_ISSUER'],
    ['wrong audience', () => signed({}, { aud: 'someone-else' }), 'ERR_TOKEN_AUDIENCE'],
    [
      'forged (another key, same kid)',
      async () => {
        const { privateKey } = await generateKeyPair('ES256');
        return new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: (t.rt.devIssuer!.jwks().keys[0] as { kid: string }).kid }).setIssuer('https://airlock.local/dev').setAudience('airlock').setSubject('agent').setExpirationTime(now() + 600).sign(privateKey);
      },
      'ERR_TOKEN_SIGNATURE',
    ],
    [
      'unknown key id',
      async () => {
        const { privateKey, publicKey } = await generateKeyPair('ES256');
        const kid = ((await exportJWK(publicKey)).x ?? 'k').slice(0, 12);
        return new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid }).setIssuer('https://airlock.local/dev').setAudience('airlock').setSubject('agent').setExpirationTime(now() + 600).sign(privateKey);
      },
      'ERR_TOKEN_SIGNATURE',
    ],
  ];
  it.each(cases)('%s', async (_name, make, code) => {
    const token = await make();
    const res = await t.post('/v1/queries', { prompt: 'x', sql: 'SELECT 1', sessionId: `tok-${code}` }, token);
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe(code);
    const owner = await t.get(`/v1/sessions/tok-${code}`, agent);
    expect(owner.status).toBe(404);
  });
});

describe('sessions, ownership and idempotency', () => {
  it('hides a session and a request from another identity, shows them to an auditor', async () => {
    const res = await t.post('/v1/queries', { prompt: 'mine', sql: 'SELECT 1 AS one', sessionId: 'owned-1' }, agent);
    expect(res.status).toBe(200);
    const other = await t.token({ sub: 'other', email: 'other@example.com' });
    expect((await t.get('/v1/sessions/owned-1', other)).status).toBe(404);
    expect((await t.get(`/v1/queries/${res.json.requestId}`, other)).status).toBe(404);
    const hijack = await t.post('/v1/queries', { prompt: 'append to theirs', sql: 'SELECT 2', sessionId: 'owned-1' }, other);
    expect(hijack.status).toBe(404);
    const auditor = await t.token({ sub: 'auditor', email: 'audit@example.com', groups: ['airlock-auditors'] });
    const audited = await t.get('/v1/sessions/owned-1', auditor);
    expect(audited.status).toBe(200);
    expect(audited.json.records).toHaveLength(2);
  });

  it('returns the first answer for a repeated idempotency key and 409 for another body under it', async () => {
    const body = { prompt: 'once', sql: 'SELECT 41 + 1 AS answer', sessionId: 'idem-1', idempotencyKey: 'key-1' };
    const first = await t.post('/v1/queries', body, agent);
    const second = await t.post('/v1/queries', body, agent);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.json.requestId).toBe(first.json.requestId);
    expect((await sessionRecords('idem-1')).length).toBe(2);
    const conflict = await t.post('/v1/queries', { ...body, sql: 'SELECT 43 AS answer' }, agent);
    expect(conflict.status).toBe(409);
    expect(conflict.json.error.code).toBe('ERR_IDEMPOTENCY_CONFLICT');
  });

  it('keeps one gapless chain under 24 concurrent requests in one session', async () => {
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => t.post('/v1/queries', { prompt: `q${i}`, sql: `SELECT ${i} AS i`, sessionId: 'busy-1' }, agent)),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const records = await sessionRecords('busy-1');
    expect(records.map((r) => JSON.parse(r).seq)).toEqual(Array.from({ length: 48 }, (_, i) => i + 1));
    expect((await verifyWithServerKeys(records)).ok).toBe(true);
  });
});
