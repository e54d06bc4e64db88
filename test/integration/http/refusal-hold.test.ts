import { afterEach, describe, expect, it } from 'vitest';
import { json } from '#shared/http/api-event.js';
import { startHttpServer } from '#local/http-server.js';

// Issue 15: an agent retrying in a loop waits for each answer; holding its 429s bounds how many refusals a
// second it can make the gateway work through. Timers never fire early, so the lower bounds here are exact.
type Started = Awaited<ReturnType<typeof startHttpServer>>;
let server: Started | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const answers: Record<string, () => ReturnType<typeof json>> = {
  '/limited': () => json(429, { error: { code: 'ERR_RATE_LIMITED', retryAfterSeconds: 30 } }, { 'retry-after': '30' }),
  '/soon': () => json(429, { error: { code: 'ERR_RATE_LIMITED', retryAfterSeconds: 0 } }, { 'retry-after': '0' }),
  '/ok': () => json(200, { ok: true }),
  '/denied': () => json(403, { error: { code: 'ERR_FORBIDDEN' } }),
  '/unauth': () => json(401, { error: { code: 'ERR_TOKEN_SIGNATURE' } }),
  '/busy': () => json(503, { error: { code: 'ERR_WAREHOUSE_BUSY' } }, { 'retry-after': '30' }),
};

async function start(refusalHoldMs: number, maxRequestsPerIp?: number, unauthenticatedPerSecond = 0, keysPerSecond = 1000): Promise<string> {
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handle: async (e) => (answers[e.path] ?? answers['/ok']!)(),
    onError: () => undefined,
    limits: { refusalHoldMs, unauthenticatedPerSecond, keysPerSecond, ...(maxRequestsPerIp === undefined ? {} : { maxRequestsPerIp }) },
  });
  return server.url;
}

async function timed(url: string): Promise<{ status: number; ms: number; retryAfter: string | null }> {
  const t0 = performance.now();
  const res = await fetch(url);
  await res.text();
  return { status: res.status, ms: performance.now() - t0, retryAfter: res.headers.get('retry-after') };
}

describe('a refusal is held before it is answered (AIRLOCK_REFUSAL_HOLD_MS)', () => {
  it('answers a 429 no sooner than the hold, with its Retry-After intact', async () => {
    const url = await start(400);
    const a = await timed(`${url}/limited`);
    expect(a).toMatchObject({ status: 429, retryAfter: '30' });
    expect(a.ms).toBeGreaterThanOrEqual(395);
  });

  it('holds a 401 too once its address is past its allowance of them in a second (a token retried in a loop), the full hold: it has no Retry-After', async () => {
    const url = await start(400, undefined, 0);
    const a = await timed(`${url}/unauth`);
    expect(a.status).toBe(401);
    expect(a.ms).toBeGreaterThanOrEqual(395);
  });

  it('GET /v1/keys past its allowance per address: 503 ERR_OVERLOADED before the handler runs, held; within it, answered', async () => {
    let reads = 0;
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      handle: async (e) => (e.path === '/v1/keys' ? (reads++, json(200, { keys: [] })) : json(200, { ok: true })),
      onError: () => undefined,
      limits: { refusalHoldMs: 400, keysPerSecond: 0 },
    });
    const over = await timed(`${server.url}/v1/keys`);
    expect(over).toMatchObject({ status: 503, retryAfter: '1' });
    expect(over.ms).toBeGreaterThanOrEqual(395);
    expect(reads).toBe(0);
    // Other paths are not counted against it.
    expect((await timed(`${server.url}/ok`)).status).toBe(200);
    await server.close();
    server = undefined;
    // With an hour-long hold, an allowance of 5: five key lists answered at once (a held one would time the test out).
    const url = await start(3_600_000, undefined, 0, 5);
    for (let i = 0; i < 5; i++) expect((await timed(`${url}/v1/keys`)).status).toBe(200);
  });

  it('never holds anything but a 429 or a 401, nor a 429 past its own Retry-After', async () => {
    // With an hour-long hold, any answer held would time the test out.
    const url = await start(3_600_000, undefined, 5);
    for (const path of ['/ok', '/denied', '/busy']) expect((await timed(`${url}${path}`)).status).toBe(path === '/ok' ? 200 : path === '/denied' ? 403 : 503);
    // Within the allowance (5 a second here), a 401 is answered at once: a client whose token expired is not held.
    for (let i = 0; i < 5; i++) expect((await timed(`${url}/unauth`)).status).toBe(401);
    expect((await timed(`${url}/soon`)).status).toBe(429);
  });

  it('a client that gives up frees its request at once, and close() does not wait for held answers', async () => {
    const url = await start(3_600_000);
    const gaveUp = await fetch(`${url}/limited`, { signal: AbortSignal.timeout(200) }).then(
      () => 'answered',
      (e: unknown) => (e as Error).name,
    );
    expect(gaveUp).toBe('TimeoutError');
    await new Promise((r) => setTimeout(r, 50));
    expect(server!.load().requests).toBe(0);
    const held = fetch(`${url}/limited`).then(
      (r) => r.status,
      () => 'closed',
    );
    await new Promise((r) => setTimeout(r, 100));
    await server!.close();
    server = undefined;
    expect(await held).toBe('closed');
  });

  it('held refusals leave the per-address request budget: a looping agent\'s 429s never crowd out other agents on the same address', async () => {
    const url = await start(3_600_000, 4);
    const held = Array.from({ length: 10 }, () => fetch(`${url}/limited`, { signal: AbortSignal.timeout(2_000) }).then(() => 'answered', () => 'gave up'));
    await new Promise((r) => setTimeout(r, 200));
    expect(server!.load().requests).toBe(0);
    expect(server!.load().connections).toBeGreaterThanOrEqual(10);
    // With 10 refusals held on this address and a budget of 4 requests in flight per address, a read still goes through.
    expect((await timed(`${url}/ok`)).status).toBe(200);
    expect(await Promise.all(held)).toEqual(Array(10).fill('gave up'));
  });

  it('0 turns the hold off', async () => {
    const url = await start(0);
    // (an hour-long Retry-After: only the hold could delay it, and there is none)
    expect((await timed(`${url}/limited`)).status).toBe(429);
  });
});
