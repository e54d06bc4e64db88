import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliBin } from '../helpers/cli-bin.js';
import { REPO_ROOT } from '../helpers/mcp-client.js';

// Issue 15: the MCP server answers bad input with JSON-RPC errors and stays up; nothing exits silently.
function startRaw(): { child: ChildProcessWithoutNullStreams; answers: () => any[]; waitFor: (pred: (all: any[]) => boolean) => Promise<any[]>; stderr: () => string } {
  const child = spawn(process.execPath, [cliBin(), 'mcp'], {
    cwd: REPO_ROOT,
    // The gateway is never called here: only the protocol layer is exercised.
    env: { ...process.env, AIRLOCK_URL: 'http://127.0.0.1:9', AIRLOCK_TOKEN: 'not-used' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    waiters.forEach((w) => w());
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const answers = () => out.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
  return {
    child,
    answers,
    stderr: () => err,
    waitFor: (pred) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out; stdout so far: ${out.slice(0, 2000)}; stderr: ${err.slice(0, 2000)}`)), 20_000);
        const check = () => {
          if (pred(answers())) {
            clearTimeout(timer);
            resolve(answers());
          }
        };
        waiters.push(check);
        check();
      }),
  };
}

describe('airlock mcp: hostile input over real stdio', () => {
  it('answers an oversized message, a malformed line and string params with JSON-RPC errors, then keeps serving and exits 0 on end', async () => {
    const mcp = startRaw();
    const send = (line: string) => mcp.child.stdin.write(`${line}\n`);
    send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }));
    send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    await mcp.waitFor((a) => a.some((m) => m.id === 1));

    // 11 MiB in one message (over the SDK's 10 MiB that used to stop the server), written in pieces.
    const big = JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'tools/call', params: { name: 'run_query', arguments: { sql: 'x'.repeat(11 * 1024 * 1024), reason: 'r' } } });
    for (let i = 0; i < big.length; i += 1024 * 1024) mcp.child.stdin.write(big.slice(i, i + 1024 * 1024));
    mcp.child.stdin.write('\n');
    send('{"jsonrpc": "2.0", "id": 2, "method": ');
    send(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list', params: 'a string' }));
    send(JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: 17 }));
    send(JSON.stringify([1, 2, 3]));
    send(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list' }));

    const all = await mcp.waitFor((a) => a.some((m) => m.id === 5) && a.filter((m) => m.error).length >= 5);
    const errors = all.filter((m) => m.error);
    expect(errors.find((m) => m.id === null && /too large/.test(m.error.message))?.error.code).toBe(-32600);
    expect(errors.some((m) => m.id === null && m.error.code === -32700)).toBe(true);
    expect(errors.find((m) => m.id === 3)?.error.code).toBe(-32602);
    expect(errors.find((m) => m.id === 4)?.error.code).toBe(-32602);
    expect(errors.filter((m) => m.id === null && m.error.code === -32600)).toHaveLength(2);
    // Still up: the next request is served.
    expect(all.find((m) => m.id === 5)?.result.tools.length).toBeGreaterThan(0);
    expect(mcp.child.exitCode).toBeNull();
    // The rejections are logged, never silent.
    expect(mcp.stderr()).toContain('rejected an MCP message');

    mcp.child.stdin.end();
    const code = await new Promise<number | null>((r) => mcp.child.once('exit', (c) => r(c)));
    expect(code).toBe(0);
  });
});
