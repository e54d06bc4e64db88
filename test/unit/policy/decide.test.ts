import { describe, expect, it } from 'vitest';
import { decide } from '#shared/policy/decide.js';
import { parsePolicy } from '#shared/policy/parse-policy.js';
import type { Policy } from '#shared/policy/policy.js';
import { classification, principal, stage, statement, table } from './fixtures.js';

const defaults = parsePolicy('', 'defaults.yaml');

const withGroups = parsePolicy(
  [
    'overrides:',
    '  - group: data-engineers',
    '    rules: { write: allow }',
    '  - group: readonly-agents',
    '    rules: { write: deny, privileged: deny }',
    '  - group: careful',
    '    rules: { write: { approval: 2 } }',
    '  - group: blocked-is-deny-anyway',
    '    rules: { blocked: deny }',
  ].join('\n'),
  'groups.yaml',
);

describe('decide: class rules (defaults)', () => {
  it.each([
    ['read', 'allow', 0],
    ['write', 'approval', 1],
    ['privileged', 'approval', 2],
    ['blocked', 'deny', 0],
    ['invalid', 'invalid', 0],
  ] as const)('%s → %s (%i approvals)', (risk, outcome, approvalsRequired) => {
    const decision = decide(defaults, classification(risk), principal());
    expect(decision).toMatchObject({ outcome, approvalsRequired });
  });

  it('explains approvals and denials, but adds nothing to a plain allow or invalid', () => {
    expect(decide(defaults, classification('read'), principal()).reasons).toEqual([]);
    expect(decide(defaults, classification('invalid'), principal()).reasons).toEqual([]);
    const write = decide(defaults, classification('write'), principal());
    expect(write.reasons).toEqual([
      { code: 'POL-RULE', message: 'write SQL needs 1 approval (policy rules.write)', at: { line: 1, column: 1, offset: 0 } },
    ]);
    expect(decide(defaults, classification('blocked'), principal()).reasons[0]?.code).toBe('POL-BLOCKED');
  });
});

describe('decide: overrides by identity group', () => {
  it('lets data-engineers write without approval, and says why', () => {
    const decision = decide(withGroups, classification('write'), principal('data-engineers'));
    expect(decision).toMatchObject({ outcome: 'allow', approvalsRequired: 0 });
    expect(decision.reasons[0]).toMatchObject({
      code: 'POL-OVERRIDE',
      message: 'group data-engineers: write SQL allowed (policy overrides[0].rules.write)',
    });
  });

  it('leaves classes an override does not name at the base rule', () => {
    expect(decide(withGroups, classification('privileged'), principal('data-engineers'))).toMatchObject({ outcome: 'approval', approvalsRequired: 2 });
  });

  it('denies readonly-agents writes and privileged SQL but lets them read', () => {
    expect(decide(withGroups, classification('write'), principal('readonly-agents')).outcome).toBe('deny');
    expect(decide(withGroups, classification('privileged'), principal('readonly-agents')).outcome).toBe('deny');
    expect(decide(withGroups, classification('read'), principal('readonly-agents')).outcome).toBe('allow');
  });

  it('does not apply to principals outside the group', () => {
    expect(decide(withGroups, classification('write'), principal('data-engineers-2'))).toMatchObject({ outcome: 'approval', approvalsRequired: 1 });
  });

  it('combines several matching overrides by taking the most restrictive, whatever the order', () => {
    expect(decide(withGroups, classification('write'), principal('data-engineers', 'readonly-agents')).outcome).toBe('deny');
    expect(decide(withGroups, classification('write'), principal('readonly-agents', 'data-engineers')).outcome).toBe('deny');
    expect(decide(withGroups, classification('write'), principal('data-engineers', 'careful'))).toMatchObject({
      outcome: 'approval',
      approvalsRequired: 2,
    });
  });

  it('never relaxes blocked, even for a hand-built policy that tries', () => {
    const tampered = structuredClone(withGroups) as Policy;
    (tampered.rules as { blocked: unknown }).blocked = 'allow';
    tampered.overrides.push({ group: 'root', rules: { blocked: 'allow' as 'deny', write: 'allow' } });
    for (const groups of [[], ['root'], ['data-engineers', 'root']]) {
      expect(decide(tampered, classification('blocked'), principal(...groups))).toMatchObject({ outcome: 'deny', approvalsRequired: 0 });
    }
  });

  it('rejects at load a policy whose override relaxes blocked', () => {
    expect(() => parsePolicy('overrides:\n  - group: root\n    rules: { blocked: allow }\n', 'p.yaml')).toThrow(
      expect.objectContaining({ code: 'ERR_POLICY_INVALID', message: expect.stringMatching(/^p\.yaml:3: overrides\[0\]\.rules\.blocked:/) }),
    );
  });
});

describe('decide: sensitive objects', () => {
  const policy = parsePolicy(
    [
      'warehouse: { database: PROD, schema: PUBLIC }',
      'overrides:',
      '  - group: data-engineers',
      '    rules: { write: allow }',
      'sensitive:',
      '  objects:',
      '    - { pattern: "PROD.HR.*", action: { approval: 2 } }',
      '    - { pattern: "*.*.SALARIES", action: deny }',
    ].join('\n'),
    'sensitive.yaml',
  );

  it('lifts a read of a sensitive object to its action and cites the pattern', () => {
    const c = classification('read', [statement('read', [table('PROD.HR.EMPLOYEES')])]);
    const decision = decide(policy, c, principal());
    expect(decision).toMatchObject({ outcome: 'approval', approvalsRequired: 2 });
    expect(decision.reasons).toEqual([
      {
        code: 'POL-SENSITIVE',
        message: 'reads PROD.HR.EMPLOYEES, a sensitive object (policy sensitive.objects[0]): needs 2 approvals',
        at: { line: 1, column: 1, offset: 0 },
      },
    ]);
  });

  it('takes the strictest pattern an object matches', () => {
    const c = classification('read', [statement('read', [table('HR.SALARIES')])]);
    const decision = decide(policy, c, principal());
    expect(decision.outcome).toBe('deny');
    expect(decision.reasons[0]?.message).toBe('reads PROD.HR.SALARIES, a sensitive object (policy sensitive.objects[1]): denied');
  });

  it('never lowers a class decision: a privileged statement on a 1-approval object keeps 2', () => {
    const lenient = parsePolicy('sensitive:\n  objects:\n    - { pattern: "*.*.T", action: { approval: 1 } }\n', 'p.yaml');
    const c = classification('privileged', [statement('privileged', [table('A.B.T', 'ddl')])]);
    expect(decide(lenient, c, principal())).toMatchObject({ outcome: 'approval', approvalsRequired: 2 });
  });

  it('still lifts writes an override allowed (overrides change class rules, not sensitivity)', () => {
    const c = classification('write', [statement('write', [table('PROD.HR.EMPLOYEES', 'write')])]);
    const decision = decide(policy, c, principal('data-engineers'));
    expect(decision).toMatchObject({ outcome: 'approval', approvalsRequired: 2 });
    expect(decision.reasons.map((r) => r.code)).toEqual(['POL-OVERRIDE', 'POL-SENSITIVE']);
    expect(decision.reasons[1]?.message).toMatch(/^writes PROD\.HR\.EMPLOYEES/);
  });

  it('leaves other objects alone', () => {
    const c = classification('read', [statement('read', [table('ORDERS'), table('PROD.SALES.ORDERS')])]);
    expect(decide(policy, c, principal())).toEqual({ outcome: 'allow', approvalsRequired: 0, reasons: [] });
  });

  it('treats a stage as sensitive (strictest pattern) and says it cannot be resolved', () => {
    const c = classification('privileged', [statement('privileged', [stage('@MY_STAGE')])]);
    const decision = decide(policy, c, principal());
    expect(decision.outcome).toBe('deny');
    expect(decision.reasons.at(-1)?.message).toBe(
      'reads @MY_STAGE, which cannot be resolved to DATABASE.SCHEMA.NAME (a stage is not a table) and is treated as sensitive (policy sensitive.objects[1]): denied',
    );
  });

  it('reports each sensitive object once, at the start of its statement', () => {
    const sql = 'SELECT 1;\n  SELECT * FROM HR.EMPLOYEES JOIN HR.EMPLOYEES';
    const c = classification('privileged', [
      statement('read', [], { start: 0, end: 8 }),
      statement('read', [table('HR.EMPLOYEES'), table('HR.EMPLOYEES')], { start: 12, end: sql.length }),
    ]);
    const decision = decide(policy, c, principal(), sql);
    const sensitive = decision.reasons.filter((r) => r.code === 'POL-SENSITIVE');
    expect(sensitive).toHaveLength(1);
    expect(sensitive[0]?.at).toEqual({ line: 2, column: 3, offset: 12 });
  });

  it('without the SQL text, borrows the position of a classifier reason at the same offset', () => {
    const c = classification('read', [statement('read', [table('HR.EMPLOYEES')], { start: 12, end: 30 })]);
    c.reasons.push({ code: 'R1', message: 'x', at: { line: 2, column: 3, offset: 12 } });
    expect(decide(policy, c, principal()).reasons[0]?.at).toEqual({ line: 2, column: 3, offset: 12 });
  });
});
