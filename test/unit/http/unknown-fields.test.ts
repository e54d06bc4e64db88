import { describe, expect, it } from 'vitest';
import type { ApiDeps } from '#shared/http/api-deps.js';
import { dispatch } from '#shared/http/router.js';
import type { Principal } from '#shared/identity/principal.js';
import { loadPolicy } from '#shared/policy/load-policy.js';

const agent: Principal = { iss: 'https://idp.example', sub: 'agent-1', email: 'agent@example.com', groups: [] };

/** Only the verifier, policy and log exist: a misnamed field must be refused before anything runs or is recorded. */
function deps(): ApiDeps {
  const allowed: Record<string, unknown> = {
    verifier: { verify: async (h: string | undefined) => (h === 'Bearer ok' ? agent : Promise.reject(new Error('no token'))) },
    policy: loadPolicy(),
    log: () => undefined,
  };
  return new Proxy({} as ApiDeps, {
    get(_t, prop) {
      if (typeof prop === 'string' && prop in allowed) return allowed[prop];
      throw new Error(`touched deps.${String(prop)}`);
    },
  });
}

async function post(path: string, body: unknown) {
  const res = await dispatch(deps(), { method: 'POST', path, headers: { authorization: 'Bearer ok', 'content-type': 'application/json' }, query: {}, body: JSON.stringify(body) });
  return { status: res.statusCode, json: JSON.parse(res.body) as { error: { code: string; message: string } } };
}

describe('unknown request fields: 400 naming the field and the closest known one', () => {
  it.each([
    [{ prompt: 'p', query: 'SELECT 1' }, 'query', 'sql'],
    [{ prompt: 'p', statement: 'SELECT 1' }, 'statement', 'sql'],
    [{ prompt: 'p', SQL: 'SELECT 1' }, 'SQL', 'sql'],
    [{ promt: 'p', sql: 'SELECT 1' }, 'promt', 'prompt'],
    [{ question: 'p', sql: 'SELECT 1' }, 'question', 'prompt'],
    [{ prompt: 'p', sql: 'SELECT 1', session_id: 's' }, 'session_id', 'sessionId'],
    [{ prompt: 'p', sql: 'SELECT 1', sessionid: 's' }, 'sessionid', 'sessionId'],
    [{ prompt: 'p', sql: 'SELECT 1', idempotencyKye: 'k' }, 'idempotencyKye', 'idempotencyKey'],
  ])('POST /v1/queries %j', async (body, field, closest) => {
    const r = await post('/v1/queries', body);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('ERR_VALIDATION');
    expect(r.json.error.message).toMatch(new RegExp(`^unknown field "${field}"; did you mean "${closest}"\\?`));
  });

  it('POST /v1/explain knows only sql', async () => {
    const r = await post('/v1/explain', { query: 'SELECT 1' });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/^unknown field "query"; did you mean "sql"\?/);
  });

  it('echoes a long or odd field name cut and quoted, and never a value', async () => {
    const key = `x"\n${'k'.repeat(500)}`;
    const r = await post('/v1/queries', { prompt: 'p', sql: 'SELECT 1', [key]: 'secret-value-4111111111111111' });
    expect(r.status).toBe(400);
    expect(r.json.error.message).not.toContain('secret-value');
    expect(r.json.error.message).not.toContain('k'.repeat(100));
    expect(r.json.error.message).toContain('"x\\"\\n');
  });

  it('a body with only known fields still gets the shape check (missing sql)', async () => {
    const r = await post('/v1/queries', { prompt: 'p' });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/^sql: /);
  });
});
