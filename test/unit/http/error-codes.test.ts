import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AirlockError, ERROR_STATUS, httpStatusFor, isAirlockErrorCode, type AirlockErrorCode } from '#shared/errors.js';
import { errorResponse, INTERNAL_ERROR_MESSAGE } from '#shared/http/error-response.js';
import { dispatch, type Route } from '#shared/http/router.js';
import type { ApiDeps } from '#shared/http/api-deps.js';

const CODES = Object.keys(ERROR_STATUS) as AirlockErrorCode[];
const SECRET = 'SNOWFLAKE_PASSWORD=hunter2 at /srv/keys/rsa.p8';

/** Every .ts file of the product (not tests, not node_modules). */
function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'test' || name.startsWith('.') || name === 'cdk.out') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

describe('the error code table', () => {
  it('maps every code to an HTTP error status', () => {
    expect(CODES.length).toBeGreaterThan(40);
    for (const code of CODES) {
      expect(code).toMatch(/^ERR_[A-Z_]+$/);
      expect([400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 502, 503, 504], code).toContain(httpStatusFor(code));
      expect(isAirlockErrorCode(code)).toBe(true);
    }
    expect(isAirlockErrorCode('ERR_NOPE')).toBe(false);
    expect(isAirlockErrorCode('toString')).toBe(false);
    expect(httpStatusFor('ERR_NOPE')).toBe(500);
  });

  it('holds every ERR_ code the product source names (thrown, recorded or sent)', () => {
    const root = join(import.meta.dirname, '..', '..', '..');
    const used = new Map<string, string>();
    for (const dir of ['shared', 'local', 'cli', 'functions', 'infra', 'slack']) {
      let files: string[];
      try {
        files = sources(join(root, dir));
      } catch {
        continue;
      }
      for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/'(ERR_[A-Z_]*[A-Z])'/g)) used.set(m[1] as string, f);
    }
    expect(used.size).toBeGreaterThan(30);
    // ERR_OUTCOME_UNKNOWN is an MCP tool-result code (a status the gateway reported), not an HTTP error.
    const missing = [...used].filter(([code]) => !isAirlockErrorCode(code) && code !== 'ERR_OUTCOME_UNKNOWN');
    expect(missing).toEqual([]);
  });

  it('has no code nothing uses', () => {
    const root = join(import.meta.dirname, '..', '..', '..');
    const text = ['shared', 'local', 'cli', 'functions'].flatMap((d) => sources(join(root, d))).filter((f) => !f.endsWith('shared/errors.ts')).map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(CODES.filter((c) => !text.includes(`'${c}'`))).toEqual([]);
  });
});

describe('errorResponse', () => {
  it.each(CODES)('%s: its status, its code, and a message only below 500', (code) => {
    const r = errorResponse(new AirlockError(code, SECRET, { details: { reasons: [{ code: 'X', message: SECRET }] } }), 'req-1');
    const status = ERROR_STATUS[code];
    expect(r.statusCode).toBe(status);
    const body = JSON.parse(r.body) as { error: Record<string, unknown> };
    expect(body.error['code']).toBe(code);
    expect(body.error['requestId']).toBe('req-1');
    if (status === 500) {
      expect(body.error['message']).toBe(INTERNAL_ERROR_MESSAGE);
      expect(r.body).not.toContain('hunter2');
    } else {
      expect(body.error['message']).toBe(SECRET); // the caller's own message, by contract free of secrets
    }
  });

  it('anything that is not an AirlockError is ERR_INTERNAL with nothing of its message', () => {
    const logged: unknown[] = [];
    const r = errorResponse(new TypeError(SECRET), 'req-2', (e) => logged.push(e));
    expect(r.statusCode).toBe(500);
    expect(JSON.parse(r.body)).toEqual({ error: { code: 'ERR_INTERNAL', message: INTERNAL_ERROR_MESSAGE, requestId: 'req-2' } });
    expect(logged).toHaveLength(1);
  });

  it('through the router: a configuration error in a handler is a 500 with a request id, logged under that id', async () => {
    const logs: Array<Record<string, unknown> | undefined> = [];
    const deps = { log: (_level: string, _msg: string, fields?: Record<string, unknown>) => logs.push(fields) } as unknown as ApiDeps;
    const routes: Route[] = [{ method: 'GET', path: '/v1/boom', handler: async () => { throw new AirlockError('ERR_CONFIG', SECRET); } }];
    const r = await dispatch(deps, { method: 'GET', path: '/v1/boom', headers: {}, query: {}, body: '' }, routes);
    expect(r.statusCode).toBe(500);
    const body = JSON.parse(r.body) as { error: { code: string; message: string; requestId: string } };
    expect(body.error).toMatchObject({ code: 'ERR_CONFIG', message: INTERNAL_ERROR_MESSAGE });
    expect(body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body).not.toContain('hunter2');
    expect(logs).toEqual([expect.objectContaining({ requestId: body.error.requestId })]);
    const given = await dispatch(deps, { method: 'GET', path: '/v1/boom', headers: {}, query: {}, body: '', requestId: 'apigw-1' }, routes);
    expect(JSON.parse(given.body).error.requestId).toBe('apigw-1');
  });

  it('an unknown code does not compile', () => {
    // @ts-expect-error: 'ERR_MADE_UP' is not in ERROR_STATUS
    const e = new AirlockError('ERR_MADE_UP', 'x');
    expect(e.code).toBe('ERR_MADE_UP');
  });
});
