import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from '#shared/config/env.js';
import { createLogger } from '#local/logger.js';
import { startLocalRuntime, type LocalRuntime } from '#local/runtime.js';
import { inject } from 'vitest';

export interface TestRuntime {
  rt: LocalRuntime;
  dir: string;
  token(claims?: { sub?: string; email?: string; groups?: string[]; ttlSeconds?: number }): Promise<string>;
  post(path: string, body: unknown, token?: string, headers?: Record<string, string>): Promise<{ status: number; json: any }>;
  get(path: string, token?: string): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

/** A real local runtime (dynalite on disk, DuckDB, dev issuer) in a temp folder on an ephemeral port. */
export async function startTestRuntime(env: Record<string, string> = {}, dir = mkdtempSync(join(tmpdir(), 'airlock-e2e-'))): Promise<TestRuntime> {
  // A fresh data folder gets a copy of the demo database the run seeded once (test/helpers/demo-template.ts,
  // the `system` project's global setup; without it the runtime seeds its own). The runtime finds the
  // tables there and leaves them (seedDemo is idempotent). Seeding itself is tested on its own
  // (test/integration/warehouse/duckdb-warehouse.test.ts) and by every `airlock serve` the tests spawn.
  // A folder not there yet is made as the runtime makes it (owner only).
  const demo = join(dir, 'demo.duckdb');
  const template = inject('airlockDemoTemplate');
  if (template !== undefined && env['SNOWFLAKE_ACCOUNT'] === undefined && !existsSync(demo)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    copyFileSync(template, demo);
  }
  const rt = await startLocalRuntime({ env: parseEnv({ AIRLOCK_DATA_DIR: dir, AIRLOCK_PORT: '0', ...env }), log: createLogger('silent') });
  const send = async (method: string, path: string, body: unknown, token?: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${rt.url}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // non-JSON answers are returned as text so the test can show them
    }
    return { status: res.status, json: parsed as any };
  };
  return {
    rt,
    dir,
    token: (c = {}) => rt.devIssuer!.issue({ sub: c.sub ?? 'agent', email: c.email ?? 'agent@example.com', groups: c.groups ?? [], ttlSeconds: c.ttlSeconds ?? 600 }),
    post: (path, body, token, headers) => send('POST', path, body, token, headers),
    get: (path, token) => send('GET', path, undefined, token),
    close: async () => {
      await rt.stop();
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
