import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { approvalClickBody } from '#shared/adapters/slack/slack-interaction.js';
import { MAX_SKEW_SECONDS, slackSignature } from '#shared/adapters/slack/slack-signature.js';
import { removeDir, startTestRuntime, type TestRuntime } from '#test/helpers/local-runtime.js';

/**
 * Clock skew at the edges of the allowed windows, through the real server (its clock is the wall
 * clock, so each case sits a few seconds inside or outside an edge rather than on it): tokens get
 * 30 s of tolerance on `exp` and `nbf`; Slack requests must be within 5 minutes either way.
 */
const TOKEN_TOLERANCE = 30;
const MARGIN = 5;
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

const now = () => Math.floor(Date.now() / 1000);

async function token(opts: { exp?: number; nbf?: number; iat?: number }): Promise<string> {
  const key = createPrivateKey(readFileSync(`${t.dir}/keys/dev-issuer.pem`, 'utf8'));
  const jwt = new SignJWT({ email: 'agent@example.com' })
    .setProtectedHeader({ alg: 'ES256', kid: (t.rt.devIssuer!.jwks().keys[0] as { kid: string }).kid })
    .setIssuer('https://airlock.local/dev')
    .setAudience('airlock')
    .setSubject('agent')
    .setIssuedAt(opts.iat ?? now())
    .setExpirationTime(opts.exp ?? now() + 600);
  if (opts.nbf !== undefined) jwt.setNotBefore(opts.nbf);
  return jwt.sign(key);
}

describe('token clock skew: 30 s of tolerance on exp and nbf, not a second more', () => {
  it.each([
    ['expired, inside the tolerance', () => token({ exp: now() - (TOKEN_TOLERANCE - MARGIN), iat: now() - 600 }), 200, undefined],
    ['expired, past the tolerance', () => token({ exp: now() - (TOKEN_TOLERANCE + MARGIN), iat: now() - 600 }), 401, 'ERR_TOKEN_EXPIRED'],
    ['not yet valid, inside the tolerance', () => token({ nbf: now() + (TOKEN_TOLERANCE - MARGIN) }), 200, undefined],
    ['not yet valid, past the tolerance', () => token({ nbf: now() + (TOKEN_TOLERANCE + MARGIN) }), 401, 'ERR_TOKEN_NOT_YET_VALID'],
  ] as const)('%s → %i', async (_name, make, status, code) => {
    const res = await t.post('/v1/queries', { prompt: 'skew', sql: 'SELECT 1 AS one' }, await make());
    expect(res.status).toBe(status);
    if (code !== undefined) expect(res.json.error.code).toBe(code);
  });
});

describe('Slack request timestamps: ±5 minutes, checked before anything is parsed or recorded', () => {
  async function click(requestId: string, slackUserId: string, skewSeconds: number) {
    const body = approvalClickBody({ slackUserId, vote: 'deny', requestId, reason: 'skew test' });
    const ts = String(now() + skewSeconds);
    const secret = readFileSync(`${t.dir}/keys/slack-signing-secret`, 'utf8').trim();
    return t.post('/slack/interactions', body, undefined, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': slackSignature(secret, ts, body),
    });
  }

  it.each([
    ['older than the window', -(MAX_SKEW_SECONDS + MARGIN)],
    ['newer than the window', MAX_SKEW_SECONDS + MARGIN],
  ])('a correctly signed click %s is 401 ERR_SLACK_SIGNATURE and records nothing', async (_name, skew) => {
    const pending = await t.post('/v1/queries', { prompt: 'p', sql: 'DELETE FROM orders WHERE id = 7' }, agent);
    expect(pending.status).toBe(202);
    const res = await click(pending.json.requestId, 'UAPPROVER1', skew);
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('ERR_SLACK_SIGNATURE');
    expect((await t.get(`/v1/queries/${pending.json.requestId}`, agent)).json.status).toBe('pending_approval');
  });

  it.each([
    ['just inside the window, late', -(MAX_SKEW_SECONDS - MARGIN)],
    ['just inside the window, early', MAX_SKEW_SECONDS - MARGIN],
  ])('a correctly signed click %s is recorded', async (_name, skew) => {
    const pending = await t.post('/v1/queries', { prompt: 'p', sql: 'DELETE FROM orders WHERE id = 8' }, agent);
    const res = await click(pending.json.requestId, 'UAPPROVER1', skew);
    expect(res.status).toBe(200);
    expect(res.json.recorded).toBe(true);
    const polled = await t.get(`/v1/queries/${pending.json.requestId}?waitSeconds=5`, agent);
    expect(polled.json.status).toBe('rejected');
  });
});
