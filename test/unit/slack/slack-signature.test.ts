import { describe, expect, it } from 'vitest';
import { slackSignature, verifySlackSignature } from '#shared/adapters/slack/slack-signature.js';

// Slack's published example (https://api.slack.com/authentication/verifying-requests-from-slack).
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TS = '1531420618';
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SIG = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

function check(over: Partial<Parameters<typeof verifySlackSignature>[0]>): string {
  try {
    verifySlackSignature({ signingSecret: SECRET, rawBody: BODY, timestamp: TS, signature: SIG, nowSeconds: Number(TS) + 10, ...over });
    return 'ok';
  } catch (e) {
    return (e as { code: string }).code;
  }
}

describe('Slack request signatures (v0 HMAC-SHA256)', () => {
  it("matches Slack's published test vector", () => {
    expect(slackSignature(SECRET, TS, BODY)).toBe(SIG);
    expect(check({})).toBe('ok');
  });

  it.each([
    ['another secret', { signingSecret: 'x'.repeat(32) }],
    ['one byte of the body changed', { rawBody: BODY.replace('roadrunner', 'roadrunnes') }],
    ['a signature of another length', { signature: 'v0=abc' }],
    ['a v1 signature', { signature: SIG.replace('v0=', 'v1=') }],
    ['no signature', { signature: undefined }],
    ['no timestamp', { timestamp: undefined }],
    ['a timestamp that is not a number', { timestamp: '1531420618abc' }],
    ['a timestamp more than 5 minutes old (replay)', { nowSeconds: Number(TS) + 301 }],
    ['a timestamp more than 5 minutes ahead', { nowSeconds: Number(TS) - 301 }],
  ])('refuses %s with ERR_SLACK_SIGNATURE', (_name, over) => {
    expect(check(over)).toBe('ERR_SLACK_SIGNATURE');
  });

  it('accepts a timestamp exactly 5 minutes away', () => {
    expect(check({ nowSeconds: Number(TS) + 300 })).toBe('ok');
  });
});
