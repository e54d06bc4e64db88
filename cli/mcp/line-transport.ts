import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** JSON-RPC 2.0 error codes. */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const INVALID_PARAMS = -32602;

/** The largest single message (one line) accepted; the SDK's own stdio transport stops the server past 10 MiB. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

type Id = string | number | null;

/**
 * MCP over stdio, one JSON-RPC message per line, that never goes quiet or down on bad input
 * (issue 15): a line over `maxMessageBytes` is skipped to its end and answered -32600; a line that
 * is not JSON gets -32700; a request whose `params` is not an object gets -32602 (with its id);
 * anything else that is not a JSON-RPC message gets -32600. Every such event is also logged.
 *
 * @example
 * await server.connect(new LineTransport(process.stdin, process.stdout, log));
 */
export class LineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  private chunks: Buffer[] = [];
  private size = 0;
  /** Inside a line that is already over the limit: drop bytes up to its newline. */
  private skipping = false;
  private closed = false;

  constructor(
    private readonly stdin: Readable,
    private readonly stdout: Writable,
    private readonly log: (level: 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void = () => undefined,
    private readonly maxMessageBytes = MAX_MESSAGE_BYTES,
  ) {}

  private readonly onData = (chunk: Buffer): void => {
    let rest = chunk;
    while (rest.length > 0) {
      const nl = rest.indexOf(0x0a);
      const piece = nl === -1 ? rest : rest.subarray(0, nl);
      if (!this.skipping) {
        if (this.size + piece.length > this.maxMessageBytes) {
          this.chunks = [];
          this.size = 0;
          this.skipping = true;
          this.reject(null, INVALID_REQUEST, `message too large: a message may be at most ${this.maxMessageBytes} bytes`);
        } else {
          this.chunks.push(piece);
          this.size += piece.length;
        }
      }
      if (nl === -1) break;
      if (!this.skipping) this.line(Buffer.concat(this.chunks).toString('utf8').replace(/\r$/, ''));
      this.chunks = [];
      this.size = 0;
      this.skipping = false;
      rest = rest.subarray(nl + 1);
    }
  };

  private readonly onError = (e: Error): void => {
    this.log('error', 'stdin failed', { err: e.message });
    this.onerror?.(e);
  };

  async start(): Promise<void> {
    this.stdin.on('data', this.onData);
    this.stdin.on('error', this.onError);
  }

  private line(text: string): void {
    if (text.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.reject(null, PARSE_ERROR, 'parse error: the line is not JSON');
      return;
    }
    const ok = JSONRPCMessageSchema.safeParse(parsed);
    if (ok.success) {
      this.onmessage?.(ok.data);
      return;
    }
    const o = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
    const id: Id = o !== null && (typeof o['id'] === 'string' || typeof o['id'] === 'number') ? (o['id'] as string | number) : null;
    // A notification (no id) with bad params gets no answer by JSON-RPC's rules; it is still logged.
    if (o !== null && typeof o['method'] === 'string' && 'params' in o && (typeof o['params'] !== 'object' || o['params'] === null || Array.isArray(o['params']))) {
      if (id === null && !('id' in o)) this.log('warn', 'notification with invalid params ignored', { method: String(o['method']).slice(0, 100) });
      else this.reject(id, INVALID_PARAMS, 'invalid params: `params` must be an object');
      return;
    }
    this.reject(id, INVALID_REQUEST, 'invalid request: not a JSON-RPC 2.0 message');
  }

  private reject(id: Id, code: number, message: string): void {
    this.log('warn', 'rejected an MCP message', { code, message });
    this.write({ jsonrpc: '2.0', id, error: { code, message } });
  }

  private write(message: unknown): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.stdout.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.stdout.once('drain', resolve);
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.write(message);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdin.off('data', this.onData);
    this.stdin.off('error', this.onError);
    this.chunks = [];
    this.onclose?.();
  }
}
