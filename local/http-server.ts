import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ApiEvent, ApiResult } from '#shared/http/api-event.js';
import { json } from '#shared/http/api-event.js';
import { LIMITS } from '#shared/use-cases/query-input.js';

export type EventHandler = (event: ApiEvent) => Promise<ApiResult>;

/**
 * Connection budgets (issue 15). Over a budget the server answers 503 ERR_OVERLOADED at once
 * (Retry-After: 1) rather than queueing. `/v1/health` keeps its own small budget: `healthReserve`
 * connections beyond `maxConnections` are accepted but serve only health checks (and are dropped
 * if they send no request within `reserveIdleMs`), and up to `healthInFlight` health requests run
 * whatever the per-client count.
 */
export interface ConnectionLimits {
  maxConnections: number;
  maxConnectionsPerIp: number;
  maxRequestsPerIp: number;
  healthReserve: number;
  healthInFlight: number;
  reserveIdleMs: number;
  /** A request whose headers have not all arrived after this long is dropped (node's headersTimeout). */
  headersTimeoutMs: number;
  /**
   * A 429 (an identity over its own limits) is answered after this long, or after its Retry-After if
   * that is sooner. An agent in a loop waits for each answer, so this bounds how many refusals per
   * second it can make the gateway work through (each is authenticated, classified and recorded);
   * without it a loop of 8 refused like this costs the other identities about 8× their latency (issue 15).
   * Also a 401 once an address has had more than `unauthenticatedPerSecond` of them in a second: a
   * client looping on a token that does not verify is slowed the same way (no identity to pace it by).
   * Never delays an answer that is not a refusal. 0 turns it off.
   */
  refusalHoldMs: number;
  /** 401s an address may get in a second before its next ones are held (refusalHoldMs). */
  unauthenticatedPerSecond: number;
  /**
   * `GET /v1/keys` (public: no identity to pace) an address may ask in a second; past it, 503
   * ERR_OVERLOADED with Retry-After 1 before anything is read, held like a refusal.
   */
  keysPerSecond: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 512,
  maxConnectionsPerIp: 256,
  maxRequestsPerIp: 64,
  healthReserve: 16,
  healthInFlight: 8,
  reserveIdleMs: 2000,
  headersTimeoutMs: 10_000,
  refusalHoldMs: 1000,
  unauthenticatedPerSecond: 10,
  keysPerSecond: 10,
};

const HEALTH_PATH = '/v1/health';
const OVERLOADED_BODY = JSON.stringify({ error: { code: 'ERR_OVERLOADED', message: 'the server is over its connection budget; retry shortly', retryAfterSeconds: 1 } });
const RAW_503 = `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json; charset=utf-8\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(OVERLOADED_BODY)}\r\n\r\n${OVERLOADED_BODY}`;

/**
 * Serves API-Gateway-shaped events over node:http on loopback. The body is capped before it is
 * buffered (413 without reading a larger one), header floods are refused by node's own 16 KiB limit (431).
 */
export async function startHttpServer(opts: {
  host: string;
  port: number;
  handle: EventHandler;
  onError: (e: unknown) => void;
  limits?: Partial<ConnectionLimits>;
}): Promise<{ server: Server; url: string; close(): Promise<void>; load(): { connections: number; requests: number } }> {
  const limits: ConnectionLimits = { ...DEFAULT_CONNECTION_LIMITS, ...opts.limits };
  const budget = new ConnectionBudget(limits);
  const unauthenticated = new FailureWindow(limits.unauthenticatedPerSecond);
  const keyReads = new FailureWindow(limits.keysPerSecond);
  const server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 60_000 }, (req, res) => {
    const gate = budget.admitRequest(req);
    if (gate === 'refuse') {
      req.resume();
      send(res, json(503, JSON.parse(OVERLOADED_BODY), { 'retry-after': '1' }), true);
      return;
    }
    let counted = true;
    const endRequest = (): void => {
      if (!counted) return;
      counted = false;
      budget.endRequest(req, gate);
    };
    res.once('close', endRequest);
    // A refusal being held is answered work, not work in flight: it leaves the per-address budget, so
    // held 429s of one looping agent never crowd out other agents on the same address (loopback).
    serve(req, res, opts.handle, limits.refusalHoldMs, endRequest, unauthenticated, keyReads).catch((e: unknown) => {
      opts.onError(e);
      if (!res.headersSent) send(res, json(500, { error: { code: 'ERR_INTERNAL', message: 'internal error' } }));
      else res.destroy();
    });
  });
  server.headersTimeout = limits.headersTimeoutMs;
  server.on('connection', (socket) => budget.admitConnection(socket));
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
    load: () => budget.load(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, handle: EventHandler, refusalHoldMs: number, onHold: () => void, unauthenticated: FailureWindow, keyReads: FailureWindow): Promise<void> {
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
  // The public key list is read from the store on every call and has no identity to pace: a loop on it is
  // refused before anything is read once its address is past its allowance.
  const overKeys = event.method === 'GET' && event.path === '/v1/keys' && keyReads.over(req.socket.remoteAddress ?? '');
  const result = overKeys ? json(503, JSON.parse(OVERLOADED_BODY), { 'retry-after': '1' }) : await handle(event);
  // A refusal (over a quota, one token too many that does not verify, or one key list too many) is held: a client retrying it in
  // a loop waits for each answer, so it cannot make the gateway work through refusals as fast as it can send.
  const held = result.statusCode === 429 || overKeys || (result.statusCode === 401 && unauthenticated.over(req.socket.remoteAddress ?? ''));
  if (held && refusalHoldMs > 0) {
    onHold();
    await holdRefusal(res, Math.min(refusalHoldMs, retryAfterMs(result)));
  }
  if (!res.destroyed) send(res, result);
}

/** Per address, the failures of the current second; `over` counts one and says whether it is past the allowance. */
class FailureWindow {
  readonly #allowed: number;
  #second = 0;
  #counts = new Map<string, number>();

  constructor(allowed: number) {
    this.#allowed = allowed;
  }

  over(address: string): boolean {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#counts = new Map();
    }
    const n = (this.#counts.get(address) ?? 0) + 1;
    this.#counts.set(address, n);
    return n > this.#allowed;
  }
}

/** The answer's Retry-After in ms (a refusal without one is held the full time). */
function retryAfterMs(result: ApiResult): number {
  const header = Object.entries(result.headers).find(([k]) => k.toLowerCase() === 'retry-after')?.[1];
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : Number.POSITIVE_INFINITY;
}

/** Waits `ms`, or less when the client goes away; never keeps the process alive (shutdown closes every connection). */
function holdRefusal(res: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    res.once('close', done);
    function done(): void {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    }
  });
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

// ---------------------------------------------------------------------------------------------
// Connection budgets: counted per server and per client address.
// ---------------------------------------------------------------------------------------------

const RESERVE = Symbol('airlock.healthReserve');
type BudgetSocket = Socket & { [RESERVE]?: boolean };

class ConnectionBudget {
  private connections = 0;
  private readonly connectionsByIp = new Map<string, number>();
  private readonly requestsByIp = new Map<string, number>();
  private health = 0;
  private requests = 0;

  constructor(private readonly limits: ConnectionLimits) {}

  load(): { connections: number; requests: number } {
    return { connections: this.connections, requests: this.requests };
  }

  admitConnection(socket: BudgetSocket): void {
    const ip = socket.remoteAddress ?? '?';
    const perIp = (this.connectionsByIp.get(ip) ?? 0) + 1;
    if (perIp > this.limits.maxConnectionsPerIp + this.limits.healthReserve || this.connections >= this.limits.maxConnections + this.limits.healthReserve) {
      refuseSocket(socket);
      return;
    }
    this.connections++;
    this.connectionsByIp.set(ip, perIp);
    if (this.connections > this.limits.maxConnections || perIp > this.limits.maxConnectionsPerIp) {
      // In the health reserve: only a prompt health check is served here.
      socket[RESERVE] = true;
      socket.setTimeout(this.limits.reserveIdleMs, () => socket.destroy());
    }
    socket.once('close', () => {
      this.connections--;
      const left = (this.connectionsByIp.get(ip) ?? 1) - 1;
      if (left <= 0) this.connectionsByIp.delete(ip);
      else this.connectionsByIp.set(ip, left);
    });
  }

  /** 'health' and 'request' are counted until the response closes; 'refuse' is answered 503 at once. */
  admitRequest(req: IncomingMessage): 'health' | 'request' | 'refuse' {
    const socket = req.socket as BudgetSocket;
    const isHealth = req.method === 'GET' && (req.url ?? '').split('?')[0] === HEALTH_PATH;
    if (isHealth) {
      if (this.health >= this.limits.healthInFlight) return 'refuse';
      this.health++;
      return 'health';
    }
    if (socket[RESERVE] === true) return 'refuse';
    const ip = socket.remoteAddress ?? '?';
    const n = this.requestsByIp.get(ip) ?? 0;
    if (n >= this.limits.maxRequestsPerIp) return 'refuse';
    this.requestsByIp.set(ip, n + 1);
    this.requests++;
    return 'request';
  }

  endRequest(req: IncomingMessage, gate: 'health' | 'request'): void {
    if (gate === 'health') {
      this.health--;
      return;
    }
    this.requests--;
    const ip = req.socket.remoteAddress ?? '?';
    const left = (this.requestsByIp.get(ip) ?? 1) - 1;
    if (left <= 0) this.requestsByIp.delete(ip);
    else this.requestsByIp.set(ip, left);
  }
}

function refuseSocket(socket: Socket): void {
  socket.on('error', () => undefined);
  socket.end(RAW_503);
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** A busy or forbidden port, said with the variable that changes it (never a bare `listen EADDRINUSE`). */
export function portError(code: 'EADDRINUSE' | 'EACCES', host: string, port: number): Error {
  const what = code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use (another Airlock runtime?)` : `port ${port} on ${host} is not allowed for this user`;
  return Object.assign(new Error(`${what}: set AIRLOCK_PORT to a free port (AIRLOCK_PORT=8788 npm start), or AIRLOCK_PORT=0 for any free one (the URL is printed)`), { code });
}
