import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiEvent, ApiResult } from '#shared/http/api-event.js';
import { json } from '#shared/http/api-event.js';
import { LIMITS } from '#shared/use-cases/query-input.js';

export type EventHandler = (event: ApiEvent) => Promise<ApiResult>;

/**
 * Serves API-Gateway-shaped events over node:http on loopback. The body is capped before it is
 * buffered (413 without reading a larger one), header floods are refused by node's own 16 KiB limit (431).
 */
export async function startHttpServer(opts: { host: string; port: number; handle: EventHandler; onError: (e: unknown) => void }): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 60_000 }, (req, res) => {
    serve(req, res, opts.handle).catch((e: unknown) => {
      opts.onError(e);
      if (!res.headersSent) send(res, json(500, { error: { code: 'ERR_INTERNAL', message: 'internal error' } }));
      else res.destroy();
    });
  });
  server.headersTimeout = 20_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE' || e.code === 'EACCES' ? portError(e.code, opts.host, opts.port) : e));
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, handle: EventHandler): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://local');
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > LIMITS.bodyBytes) {
    req.resume();
    send(res, json(413, { error: { code: 'ERR_BODY_TOO_LARGE', message: `body is ${declared} bytes; the limit is ${LIMITS.bodyBytes}` } }), true);
    return;
  }
  const body = await readBody(req, LIMITS.bodyBytes);
  if (body === null) {
    send(res, json(413, { error: { code: 'ERR_BODY_TOO_LARGE', message: `body exceeds ${LIMITS.bodyBytes} bytes` } }), true);
    return;
  }
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const event: ApiEvent = { method: req.method ?? 'GET', path: url.pathname, headers, query, body: body.toString('utf8') };
  send(res, await handle(event));
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (!over) chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, result: ApiResult, close = false): void {
  const headers: Record<string, string> = { ...result.headers, 'content-length': String(Buffer.byteLength(result.body)) };
  if (close) headers['connection'] = 'close';
  res.writeHead(result.statusCode, headers);
  res.end(result.body);
}

/** A busy or forbidden port, said with the variable that changes it (never a bare `listen EADDRINUSE`). */
export function portError(code: 'EADDRINUSE' | 'EACCES', host: string, port: number): Error {
  const what = code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use (another Airlock runtime?)` : `port ${port} on ${host} is not allowed for this user`;
  return Object.assign(new Error(`${what}: set AIRLOCK_PORT to a free port (AIRLOCK_PORT=8788 npm start), or AIRLOCK_PORT=0 for any free one (the URL is printed)`), { code });
}
