import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { json } from '#shared/http/api-event.js';
import { startHttpServer } from '#local/http-server.js';

type Started = Awaited<ReturnType<typeof startHttpServer>>;

let server: Started | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  server = undefined;
});

/** A handler that holds every non-health request until released. */
function holdingHandler() {
  const waiting: Array<() => void> = [];
  return {
    release: () => waiting.splice(0).forEach((r) => r()),
    handle: async (e: { path: string }) => {
      if (e.path === '/v1/health') return json(200, { status: 'ok' });
      await new Promise<void>((r) => waiting.push(r));
      return json(200, { ok: true });
    },
  };
}

function halfSent(url: string): Promise<Socket> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(port), '127.0.0.1', () => {
      s.write('POST /v1/queries HTTP/1.1\r\nHost: x\r\n'); // headers never finished
      resolve(s);
    });
    s.on('error', () => undefined);
    sockets.push(s);
  });
}

function rawAnswer(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    s.on('data', (d) => (text += d.toString()));
    s.on('close', () => resolve(text));
    s.on('end', () => resolve(text));
  });
}

describe('local HTTP server connection budgets (issue 15)', () => {
  it('answers connections over the cap with a prompt 503 ERR_OVERLOADED, and /v1/health keeps answering from its reserve', async () => {
    const h = holdingHandler();
    server = await startHttpServer({ host: '127.0.0.1', port: 0, handle: h.handle, onError: () => undefined, limits: { maxConnections: 5, maxConnectionsPerIp: 100, healthReserve: 2 } });
    for (let i = 0; i < 5; i++) await halfSent(server.url);
    // The reserve: a health check on a new connection is served.
    const health = await fetch(`${server.url}/v1/health`);
    expect(health.status).toBe(200);
    // Anything but health in the reserve: 503 at once.
    const query = await fetch(`${server.url}/v1/queries`, { method: 'POST', body: '{}' });
    expect(query.status).toBe(503);
    expect(query.headers.get('retry-after')).toBe('1');
    expect(((await query.json()) as { error: { code: string } }).error.code).toBe('ERR_OVERLOADED');
    // Past the reserve too: the socket gets a raw 503 and is closed.
    const extra = await Promise.all([halfSent(server.url), halfSent(server.url), halfSent(server.url)]);
    const answers = await Promise.all(extra.map((s) => Promise.race([rawAnswer(s), new Promise<string>((r) => setTimeout(() => r('(no answer)'), 3000))])));
    expect(answers.some((a) => a.startsWith('HTTP/1.1 503') && a.includes('ERR_OVERLOADED'))).toBe(true);
    h.release();
  });

  it('caps concurrent requests per client address with 503, and health still answers past that cap', async () => {
    const h = holdingHandler();
    server = await startHttpServer({ host: '127.0.0.1', port: 0, handle: h.handle, onError: () => undefined, limits: { maxRequestsPerIp: 3 } });
    const held = Array.from({ length: 3 }, () => fetch(`${server!.url}/v1/queries`, { method: 'POST', body: '{}' }));
    await new Promise((r) => setTimeout(r, 200));
    expect(server.load().requests).toBe(3);
    const over = await fetch(`${server.url}/v1/queries`, { method: 'POST', body: '{}' });
    expect(over.status).toBe(503);
    expect((await fetch(`${server.url}/v1/health`)).status).toBe(200);
    h.release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200, 200]);
    // The count went back down: a new request is served.
    const again = fetch(`${server.url}/v1/queries`, { method: 'POST', body: '{}' });
    await new Promise((r) => setTimeout(r, 100));
    h.release();
    expect((await again).status).toBe(200);
  });
});
