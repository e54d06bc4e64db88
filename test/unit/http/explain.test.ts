import { describe, expect, it } from 'vitest';
import type { ApiDeps } from '#shared/http/api-deps.js';
import type { ApiEvent } from '#shared/http/api-event.js';
import { parseExplainInput } from '#shared/http/handlers/explain.js';
import { explainFor } from '#shared/use-cases/explain-for.js';
import { dispatch } from '#shared/http/router.js';
import type { Principal } from '#shared/identity/principal.js';
import { loadPolicy } from '#shared/policy/load-policy.js';

const policy = loadPolicy();
const agent: Principal = { iss: 'https://idp.example', sub: 'agent-1', email: 'agent@example.com', groups: [] };

/**
 * Deps where only the verifier, the policy and the log exist: touching the record store, the
 * request store, the signer, the warehouse, the clock or the id generator throws, which is how
 * these tests prove explain runs nothing and records nothing.
 */
function readOnlyDeps(principal: Principal = agent): ApiDeps {
  const allowed: Record<string, unknown> = {
    verifier: { verify: async (h: string | undefined) => (h === 'Bearer ok' ? principal : Promise.reject(new Error('no token'))) },
    policy,
    log: () => undefined,
    // As in AWS, where explain has a Lambda of its own: no quotas to pace it (the local runtime's are tested in test/e2e/fair-use.test.ts).
    quotas: undefined,
  };
  return new Proxy({} as ApiDeps, {
    get(_target, prop) {
      if (typeof prop === 'string' && prop in allowed) return allowed[prop];
      throw new Error(`explain touched deps.${String(prop)}`);
    },
  });
}

function event(body: string, headers: Record<string, string> = { authorization: 'Bearer ok', 'content-type': 'application/json' }): ApiEvent {
  return { method: 'POST', path: '/v1/explain', headers, query: {}, body };
}

describe('explainFor: what this identity may do', () => {
  it('lists, for a plain agent, reads as the only class that runs without approval, with the policy source of each rule', () => {
    const out = explainFor(policy, agent) as any;
    expect(out.identity).toEqual({ iss: agent.iss, sub: 'agent-1', email: 'agent@example.com', groups: [] });
    expect(out.policy.allowedWithoutApproval).toEqual(['read']);
    expect(out.policy.rules).toEqual([
      { risk: 'read', outcome: 'allow', approvalsRequired: 0, source: 'rules.read', summary: 'read SQL allowed (policy rules.read)' },
      { risk: 'write', outcome: 'approval', approvalsRequired: 1, source: 'rules.write', summary: 'write SQL needs 1 approval (policy rules.write)' },
      { risk: 'privileged', outcome: 'approval', approvalsRequired: 2, source: 'rules.privileged', summary: 'privileged SQL needs 2 approvals (policy rules.privileged)' },
      { risk: 'blocked', outcome: 'deny', approvalsRequired: 0, source: 'rules.blocked', summary: 'blocked SQL is always denied' },
    ]);
    expect(out.policy.sensitiveObjects).toContainEqual({ pattern: '*.HR.*', outcome: 'approval', approvalsRequired: 2, description: expect.any(String) });
    // Other queries' text and results.
    expect(out.policy.sensitiveObjects).toContainEqual({ pattern: '*.*.RESULT_SCAN', outcome: 'approval', approvalsRequired: 2, description: expect.any(String) });
    expect(out.policy.maskedColumns).toContainEqual({ pattern: 'SSN', rule: 'redact' });
    expect(out.policy.approvers.map((a: { slackUserId: string }) => a.slackUserId)).toEqual(['UAPPROVER1', 'UAPPROVER2']);
    expect(out.risk).toBeUndefined();
  });

  it('applies the caller group overrides: data-engineers write without approval, readonly-agents may not write', () => {
    const engineer = explainFor(policy, { ...agent, groups: ['data-engineers'] }) as any;
    expect(engineer.policy.allowedWithoutApproval).toEqual(['read', 'write']);
    expect(engineer.policy.rules[1]).toMatchObject({ risk: 'write', outcome: 'allow', source: 'overrides[0].rules.write' });
    const readonly = explainFor(policy, { ...agent, groups: ['readonly-agents'] }, 'DELETE FROM orders') as any;
    expect(readonly.decision).toEqual({ outcome: 'deny', approvalsRequired: 0 });
    expect(readonly.reasons.map((r: { code: string }) => r.code)).toContain('POL-OVERRIDE');
  });

  it('classifies and decides a statement as POST /v1/queries would, with every reason', () => {
    const hr = explainFor(policy, agent, 'SELECT * FROM hr.employees') as any;
    expect(hr.risk).toBe('read');
    expect(hr.decision).toEqual({ outcome: 'approval', approvalsRequired: 2 });
    expect(hr.reasons.find((r: { code: string }) => r.code === 'POL-SENSITIVE').message).toMatch(/DEMO\.HR\.EMPLOYEES/);
    expect(hr.statements[0]).toMatchObject({ kind: 'select', risk: 'read', objects: [expect.objectContaining({ name: 'HR.EMPLOYEES', access: 'read' })] });

    const blocked = explainFor(policy, agent, 'DROP DATABASE demo') as any;
    expect(blocked).toMatchObject({ risk: 'blocked', decision: { outcome: 'deny', approvalsRequired: 0 } });
    expect(blocked.reasons.map((r: { code: string }) => r.code)).toContain('POL-BLOCKED');

    const invalid = explainFor(policy, agent, '  ;  ') as any;
    expect(invalid).toMatchObject({ risk: 'invalid', decision: { outcome: 'invalid' } });
  });
});

describe('POST /v1/explain: input and side effects', () => {
  it('answers 200 without touching the stores, the signer, the warehouse or the clock', async () => {
    const res = await dispatch(readOnlyDeps(), event(JSON.stringify({ sql: 'DELETE FROM orders WHERE id = 1' })));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ risk: 'write', decision: { outcome: 'approval', approvalsRequired: 1 } });
    const bare = await dispatch(readOnlyDeps(), event('{}'));
    expect(bare.statusCode).toBe(200);
    expect(JSON.parse(bare.body).policy.allowedWithoutApproval).toEqual(['read']);
  });

  it.each([
    ['an array', '[]', 400, 'ERR_VALIDATION'],
    ['null', 'null', 400, 'ERR_VALIDATION'],
    ['a number as sql', '{"sql":1}', 400, 'ERR_VALIDATION'],
    ['an unknown field', '{"sql":"SELECT 1","prompt":"x"}', 400, 'ERR_VALIDATION'],
    ['an unpaired surrogate', '{"sql":"\\ud800"}', 400, 'ERR_VALIDATION'],
    ['text that is not JSON', 'not json', 400, 'ERR_BAD_JSON'],
    ['an empty body', '', 400, 'ERR_BAD_JSON'],
    ['SQL one byte over 256 KiB', JSON.stringify({ sql: `SELECT '${'x'.repeat(256 * 1024 - 8)}'` }), 413, 'ERR_SQL_TOO_LARGE'],
  ])('refuses %s with %i %s', async (_label, body, status, code) => {
    const res = await dispatch(readOnlyDeps(), event(body));
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(res.body).error.code).toBe(code);
  });

  it('refuses a body that is not JSON by content type', async () => {
    const res = await dispatch(readOnlyDeps(), event('{"sql":"SELECT 1"}', { authorization: 'Bearer ok', 'content-type': 'text/plain' }));
    expect(res.statusCode).toBe(415);
  });

  it('takes SQL up to exactly the /v1/queries limit', () => {
    const sql = `SELECT '${'x'.repeat(256 * 1024 - 9)}'`;
    expect(Buffer.byteLength(sql)).toBe(256 * 1024);
    expect(parseExplainInput({ sql })).toBe(sql);
  });
});
