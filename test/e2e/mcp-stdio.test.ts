import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { once } from 'node:events';
import { DevIssuer } from '#local/dev-issuer.js';
import { removeDir, startTestRuntime, type TestRuntime } from '../helpers/local-runtime.js';
import { cliBin } from '../helpers/cli-bin.js';
import { BIN, REPO_ROOT, startMcp, textOf } from '../helpers/mcp-client.js';

let t: TestRuntime;

beforeAll(async () => {
  t = await startTestRuntime();
});
afterAll(async () => {
  await t?.close();
  if (t) removeDir(t.dir);
});

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function oneQuery(env: Record<string, string>, sql = 'SELECT 1 AS one'): Promise<{ isError: boolean; text: string; stderr: string }> {
  const mcp = await startMcp(env);
  try {
    const result = await mcp.client.callTool({ name: 'run_query', arguments: { sql, reason: 'token test' } });
    return { isError: result.isError === true, text: textOf(result), stderr: mcp.stderr() };
  } finally {
    await mcp.close();
  }
}

describe('airlock mcp over raw stdio', () => {
  it('writes only JSON-RPC lines to stdout, logs to stderr, and exits 0 when stdin ends', async () => {
    // The shipped bin itself, `node cli/bin.js` (tsx loading the TypeScript), not the run's bundle of it.
    const child = spawn(process.execPath, [BIN, 'mcp'], {
      cwd: REPO_ROOT,
      env: { ...process.env, AIRLOCK_URL: t.rt.url, AIRLOCK_TOKEN: await t.token({ ttlSeconds: 3600 }) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const answered = new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        // Answers may come in any order (a validation error is quicker than a query).
        if ([1, 2, 3, 4].every((id) => new RegExp(`"id":${id}\\b`).test(out))) resolve();
      });
    });
    const send = (msg: unknown) => child.stdin.write(`${JSON.stringify(msg)}\n`);
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'run_query', arguments: { sql: 'SELECT id, email FROM customers LIMIT 2', reason: 'raw' } } });
    send({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'run_query', arguments: { sql: 'SELECT 1' } } });
    await answered;
    child.stdin.end();
    const [code] = (await once(child, 'exit')) as [number | null];

    const lines = out.split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    const byId = new Map<number, any>(lines.map((l) => JSON.parse(l)).map((m: { id: number }) => [m.id, m]));
    expect(byId.get(3).result.content[0].text).toMatch(/^Executed/);
    expect(byId.get(4).result.isError).toBe(true);
    expect(err).toMatch(/"msg":"MCP server ready"/);
    expect(code).toBe(0);
  });
});

describe('airlock mcp: tokens and gateway failures', () => {
  it('runs AIRLOCK_TOKEN_COMMAND again when the gateway answers ERR_TOKEN_EXPIRED, then succeeds', async () => {
    const issuer = await DevIssuer.open(t.dir);
    const now = Math.floor(Date.now() / 1000);
    writeFileSync(join(t.dir, 'expired.jwt'), await issuer.issue({ sub: 'agent', email: 'agent@example.com', ttlSeconds: 60, now: now - 3600 }));
    writeFileSync(join(t.dir, 'fresh.jwt'), await issuer.issue({ sub: 'agent', email: 'agent@example.com', ttlSeconds: 3600 }));
    const script = join(t.dir, 'token.sh');
    const count = join(t.dir, 'token-count');
    writeFileSync(
      script,
      `#!/bin/sh\nn=$(cat '${count}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '${count}'\n` +
        `if [ "$n" -eq 1 ]; then cat '${join(t.dir, 'expired.jwt')}'; else cat '${join(t.dir, 'fresh.jwt')}'; fi\n`,
    );
    chmodSync(script, 0o700);

    const result = await oneQuery({ AIRLOCK_URL: t.rt.url, AIRLOCK_TOKEN_COMMAND: script });
    expect(result.isError).toBe(false);
    expect(result.text).toMatch(/^Executed/);
    expect(readFileSync(count, 'utf8').trim()).toBe('2');
  });

  it('reports an expired fixed AIRLOCK_TOKEN as ERR_TOKEN_EXPIRED with what the user must do', async () => {
    const issuer = await DevIssuer.open(t.dir);
    const expired = await issuer.issue({ sub: 'agent', ttlSeconds: 60, now: Math.floor(Date.now() / 1000) - 3600 });
    const result = await oneQuery({ AIRLOCK_URL: t.rt.url, AIRLOCK_TOKEN: expired });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/^ERR_TOKEN_EXPIRED: .*\nWhat to do: .*fresh AIRLOCK_TOKEN/);
  });

  it('reports a rejected token with the gateway code', async () => {
    const result = await oneQuery({ AIRLOCK_URL: t.rt.url, AIRLOCK_TOKEN: 'not-a-jwt' });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/^ERR_TOKEN_MALFORMED: /);
    expect(result.text).toContain('Retrying will not help');
  });

  it('reports a token command that fails as ERR_TOKEN_COMMAND', async () => {
    const result = await oneQuery({ AIRLOCK_URL: t.rt.url, AIRLOCK_TOKEN_COMMAND: 'echo no token here >&2; exit 3' });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/^ERR_TOKEN_COMMAND: AIRLOCK_TOKEN_COMMAND exited with 3/);
    expect(result.stderr).toContain('no token here');
  });

  it('reports an unreachable gateway as ERR_GATEWAY_UNREACHABLE, telling the model nothing ran', async () => {
    const result = await oneQuery({ AIRLOCK_URL: `http://127.0.0.1:${await closedPort()}`, AIRLOCK_TOKEN: 'x.y.z' });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/^ERR_GATEWAY_UNREACHABLE: Airlock at http:\/\/127\.0\.0\.1:\d+ is not reachable/);
    expect(result.text).toContain('Nothing ran');
  });

  it('reports a URL that is not an Airlock gateway as ERR_GATEWAY_RESPONSE', async () => {
    const server = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy login</html>'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const port = (server.address() as { port: number }).port;
      const result = await oneQuery({ AIRLOCK_URL: `http://127.0.0.1:${port}`, AIRLOCK_TOKEN: 'x.y.z' });
      expect(result.isError).toBe(true);
      expect(result.text).toMatch(/^ERR_GATEWAY_RESPONSE: Airlock at http:\/\/127\.0\.0\.1:\d+ answered HTTP 200 without JSON/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('uses the running local runtime and its dev issuer when no URL or token is configured', async () => {
    const result = await oneQuery({ AIRLOCK_DATA_DIR: t.dir });
    expect(result.isError).toBe(false);
    expect(result.text).toMatch(/^Executed/);
    expect(result.stderr).toMatch(/local dev issuer/);
  });

  it('refuses to start without a token for a remote gateway: exit 2, a message on stderr, nothing on stdout', async () => {
    const child = spawn(process.execPath, [cliBin(), 'mcp'], {
      cwd: REPO_ROOT,
      env: { ...process.env, AIRLOCK_URL: 'https://airlock.example.com', AIRLOCK_TOKEN: '', AIRLOCK_TOKEN_COMMAND: '', AIRLOCK_DATA_DIR: t.dir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/no token: set AIRLOCK_TOKEN, or AIRLOCK_TOKEN_COMMAND/);
  });
});
