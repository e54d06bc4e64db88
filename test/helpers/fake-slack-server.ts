import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
}

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Record<string, unknown>[];
  threadTs?: string;
}

/**
 * A local HTTP server that speaks the part of Slack's Web API wire format Airlock uses:
 * form-encoded POSTs to `/api/<method>` with `Authorization: Bearer <token>`, JSON answers
 * `{ ok: true, … }` / `{ ok: false, error }`, nested arguments (blocks) as JSON strings, and the
 * files.uploadV2 flow (getUploadURLExternal → upload to `upload_url` → completeUploadExternal).
 * Point `@slack/web-api` at it with `slackApiUrl: server.apiUrl`.
 */
export class FakeSlackServer {
  readonly calls: SlackCall[] = [];
  readonly messages = new Map<string, FakeSlackMessage>();
  readonly ephemerals: { channel: string; user: string; text: string }[] = [];
  readonly uploads = new Map<string, { filename: string; body: string; channel?: string; threadTs?: string }>();
  /** users.info answers: Slack user id → profile email. */
  readonly users = new Map<string, string>();
  /** usergroups.users.list answers: group id → members. */
  readonly groups = new Map<string, string[]>();
  #server: Server | null = null;
  #seq = 0;
  baseUrl = '';

  constructor(readonly token = 'xoxb-test-token') {}

  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      void this.#handle(req).then(
        ({ status, body }) => {
          res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify(body));
        },
        (e: unknown) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: false, error: String(e) }));
        },
      );
    });
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
    this.baseUrl = `http://127.0.0.1:${(this.#server!.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => (this.#server === null ? r() : this.#server.close(() => r())));
  }

  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async #handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.baseUrl);
    if (url.pathname.startsWith('/upload/')) {
      const id = url.pathname.slice('/upload/'.length);
      const u = this.uploads.get(id);
      if (u === undefined) return { status: 404, body: { ok: false } };
      u.body = raw;
      return { status: 200, body: { ok: true } };
    }
    const method = url.pathname.replace(/^\/api\//, '');
    if (req.headers.authorization !== `Bearer ${this.token}`) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
    const args: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(raw)) args[k] = v;
    this.calls.push({ method, args });
    return { status: 200, body: this.#answer(method, args) };
  }

  #answer(method: string, a: Record<string, unknown>): Record<string, unknown> {
    const s = (k: string): string => String(a[k] ?? '');
    const blocks = (): Record<string, unknown>[] => (a['blocks'] === undefined ? [] : (JSON.parse(s('blocks')) as Record<string, unknown>[]));
    switch (method) {
      case 'chat.postMessage': {
        if (!a['channel']) return { ok: false, error: 'channel_not_found' };
        const ts = `1700000000.${String(++this.#seq).padStart(6, '0')}`;
        const m: FakeSlackMessage = { channel: s('channel'), ts, text: s('text'), blocks: blocks() };
        this.messages.set(ts, m);
        return { ok: true, channel: m.channel, ts, message: { text: m.text, ts } };
      }
      case 'chat.update': {
        const m = this.messages.get(s('ts'));
        if (m === undefined || m.channel !== s('channel')) return { ok: false, error: 'message_not_found' };
        m.text = s('text');
        m.blocks = blocks();
        return { ok: true, channel: m.channel, ts: m.ts, text: m.text };
      }
      case 'auth.test':
        // As Slack documents it (api.slack.com/methods/auth.test): who the token belongs to.
        return { ok: true, url: 'https://airlock-test.slack.com/', team: 'Airlock Test', user: 'airlock', team_id: 'T0AIRLOCK', user_id: 'U0AIRLOCKBOT', bot_id: 'B0AIRLOCK', is_enterprise_install: false };
      case 'chat.postEphemeral':
        this.ephemerals.push({ channel: s('channel'), user: s('user'), text: s('text') });
        return { ok: true, message_ts: `1700000001.${String(++this.#seq).padStart(6, '0')}` };
      case 'users.info': {
        const email = this.users.get(s('user'));
        return email === undefined ? { ok: false, error: 'user_not_found' } : { ok: true, user: { id: s('user'), profile: { email } } };
      }
      case 'usergroups.users.list': {
        const members = this.groups.get(s('usergroup'));
        return members === undefined ? { ok: false, error: 'no_such_subteam' } : { ok: true, users: members };
      }
      case 'files.getUploadURLExternal': {
        const id = `F${String(++this.#seq).padStart(8, '0')}`;
        this.uploads.set(id, { filename: s('filename'), body: '' });
        return { ok: true, upload_url: `${this.baseUrl}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const files = JSON.parse(s('files')) as { id: string; title?: string }[];
        for (const f of files) {
          const u = this.uploads.get(f.id);
          if (u === undefined) return { ok: false, error: 'file_not_found' };
          u.channel = s('channel_id');
          u.threadTs = s('thread_ts');
        }
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}
