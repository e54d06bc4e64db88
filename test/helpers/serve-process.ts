import { spawn, type ChildProcess } from 'node:child_process';
import { cliBin } from './cli-bin.js';

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts `airlock serve` as a real child process (the run's bundle of cli/bin.js, `cliBin()`) and waits for the URL it prints. */
export function startServe(env: Record<string, string>, timeoutMs = 60_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [cliBin(), 'serve'], {
    env: { ...process.env, AIRLOCK_PORT: '0', AIRLOCK_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in time:\n${out}`)), timeoutMs);
    const check = () => {
      const m = /URL:\s+(http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, output: () => out });
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${out}`));
    });
  });
}

export function waitExit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** One JSON call to a served runtime: GET without a body, POST with one. */
export async function call(url: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as any };
}

/** The dev token in the startup banner's curl command, as a new user would copy it. */
export function tokenFromBanner(output: string): string {
  const m = /authorization: Bearer ([\w.-]+)/.exec(output);
  if (!m) throw new Error(`no token in banner:\n${output}`);
  return m[1]!;
}
