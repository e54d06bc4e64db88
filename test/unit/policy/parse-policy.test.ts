import { describe, expect, it } from 'vitest';
import { AirlockError } from '#shared/errors.js';
import { parsePolicy } from '#shared/policy/parse-policy.js';
import { loadPolicy } from '#shared/policy/load-policy.js';

function errorOf(text: string, file = 'policy.yaml'): AirlockError {
  try {
    parsePolicy(text, file);
  } catch (e) {
    if (e instanceof AirlockError) return e;
    throw e;
  }
  throw new Error('expected parsePolicy to throw');
}

describe('parsePolicy rejects bad policies, naming file, line and field', () => {
  // [what, YAML, expected first line of the message]
  const cases: [string, string, string][] = [
    ['approval 0', 'rules:\n  read: allow\n  write: { approval: 0 }\n', 'policy.yaml:3: rules.write.approval: expected a positive integer'],
    ['negative approval', 'rules:\n  write:\n    approval: -1\n', 'policy.yaml:3: rules.write.approval: expected a positive integer'],
    ['fractional approval', 'rules:\n  write:\n    approval: 1.5\n', 'policy.yaml:3: rules.write.approval: expected a positive integer'],
    ['approval as a string', 'rules:\n  write:\n    approval: "2"\n', 'policy.yaml:3: rules.write.approval: expected a positive integer'],
    ['absurd approval count', 'rules:\n  privileged: { approval: 50 }\n', 'policy.yaml:2: rules.privileged.approval: expected at most 10'],
    ['unknown action', 'rules:\n  write: maybe\n', 'policy.yaml:2: rules.write: expected allow, deny or { approval: N }'],
    ['empty action', 'rules:\n  write:\n', 'policy.yaml:2: rules.write: expected allow, deny or { approval: N }'],
    ['typo in a rule field', 'rules:\n  write: { approval: 2, x: 1 }\n', 'policy.yaml:2: rules.write.x: unknown field'],
    ['relaxing blocked', 'rules:\n  blocked: allow\n', 'policy.yaml:2: rules.blocked: expected deny: blocked SQL is always denied and no policy or override can relax it'],
    ['blocked needing approval', 'rules:\n  blocked: { approval: 3 }\n', 'policy.yaml:2: rules.blocked: expected deny'],
    ['override relaxing blocked', 'overrides:\n  - group: a\n    rules:\n      write: allow\n  - group: root\n    rules:\n      blocked: allow\n', 'policy.yaml:7: overrides[1].rules.blocked: expected deny'],
    ['override without group', 'overrides:\n  - rules:\n      write: allow\n', 'policy.yaml:2: overrides[0].group: missing, expected an identity group name'],
    ['unknown rule class', 'rules:\n  wrte: allow\n', 'policy.yaml:2: rules.wrte: unknown field'],
    ['invalid is not configurable', 'rules:\n  invalid: allow\n', 'policy.yaml:2: rules.invalid: unknown field'],
    ['unknown top-level field', 'version: 1\nrulez: {}\n', 'policy.yaml:2: rulez: unknown field'],
    ['two-part object pattern', 'sensitive:\n  objects:\n    - pattern: PROD.HR\n      action: deny\n', 'policy.yaml:3: sensitive.objects[0].pattern: expected a DATABASE.SCHEMA.NAME glob'],
    ['unterminated quote in pattern', 'sensitive:\n  objects:\n    - pattern: \'PROD.HR."x\'\n      action: deny\n', 'policy.yaml:3: sensitive.objects[0].pattern: unterminated quoted identifier'],
    ['sensitive object allowed', 'sensitive:\n  objects:\n    - pattern: "*.*.X"\n      action: allow\n', 'policy.yaml:4: sensitive.objects[0].action: expected deny or { approval: N }'],
    ['sensitive approval 0', 'sensitive:\n  objects:\n    - pattern: "*.*.X"\n      action: { approval: 0 }\n', 'policy.yaml:4: sensitive.objects[0].action.approval: expected a positive integer'],
    ['column rules in the wrong place', 'sensitive:\n  columns:\n    - { pattern: SSN, rule: redact }\n', 'policy.yaml:3: sensitive.columns: column rules live in masking.columns'],
    ['unknown mask rule', 'masking:\n  columns:\n    - { pattern: SSN, rule: hide }\n', 'policy.yaml:3: masking.columns[0].rule: expected redact, partial or pseudonym'],
    ['empty column pattern', 'masking:\n  columns:\n    - { pattern: "", rule: redact }\n', 'policy.yaml:3: masking.columns[0].pattern: expected a column name glob'],
    ['unknown detector rule', 'masking:\n  detectors:\n    email: scramble\n', 'policy.yaml:3: masking.detectors.email: expected redact, partial, pseudonym or off'],
    ['unknown detector', 'masking:\n  detectors:\n    fax: off\n', 'policy.yaml:3: masking.detectors.fax: unknown field'],
    ['lower-case Slack id', 'approvers:\n  - { slackUserId: u1, email: a@example.com }\n', 'policy.yaml:2: approvers[0].slackUserId: expected a Slack user id'],
    ['bad approver email', 'approvers:\n  - { slackUserId: UA1, email: not-an-email }\n', 'policy.yaml:2: approvers[0].email: expected an email address'],
    ['duplicate approver', 'approvers:\n  - { slackUserId: UA1, email: a@example.com }\n  - { slackUserId: UA1, email: b@example.com }\n', 'policy.yaml:3: approvers[1].slackUserId: duplicate approver UA1'],
    ['bad approver group', 'approverGroups: [UABC]\n', 'policy.yaml:1: approverGroups[0]: expected a Slack user group id'],
    ['auditor groups not a list', 'auditorGroups: airlock-auditors\n', 'policy.yaml:1: auditorGroups: expected a list of group names'],
    ['statement timeout past API Gateway', 'limits:\n  statementTimeoutSeconds: 30\n', 'policy.yaml:2: limits.statementTimeoutSeconds: expected at most 25'],
    ['result bigger than a record', 'limits:\n  maxBytes: 1000000\n', 'policy.yaml:2: limits.maxBytes: expected at most 358400'],
    ['zero rows', 'limits:\n  maxRows: 0\n', 'policy.yaml:2: limits.maxRows: expected a positive integer'],
    ['zero approval timeout', 'approval:\n  timeoutSeconds: 0\n', 'policy.yaml:2: approval.timeoutSeconds: expected a positive number of seconds'],
    ['empty database name', 'warehouse:\n  database: ""\n', 'policy.yaml:2: warehouse.database: expected a database name'],
    ['unknown version', 'version: 2\n', 'policy.yaml:1: version: expected 1'],
    ['a list instead of a mapping', '- a\n- b\n', 'policy.yaml:1: expected a mapping of policy fields'],
    ['a scalar document', 'allow\n', 'policy.yaml:1: expected a mapping of policy fields'],
    ['YAML syntax error', 'version: 1\nrules: [\n', 'policy.yaml:3: YAML syntax:'],
    ['duplicate key', 'version: 1\nversion: 1\n', 'policy.yaml:2: YAML syntax: Map keys must be unique'],
  ];

  it.each(cases)('%s', (_what, text, expected) => {
    const error = errorOf(text);
    expect(error.code).toBe('ERR_POLICY_INVALID');
    expect(error.message.split('\n')[0]).toContain(expected);
    expect(error.message.startsWith(expected)).toBe(true);
  });

  it('reports every problem, one line each, and the same as data', () => {
    const error = errorOf('rules:\n  write: maybe\nlimits:\n  maxRows: 0\n', 'conf/p.yaml');
    expect(error.message.split('\n')).toEqual([
      'conf/p.yaml:2: rules.write: expected allow, deny or { approval: N }',
      'conf/p.yaml:4: limits.maxRows: expected a positive integer',
    ]);
    expect(error.details).toMatchObject({
      file: 'conf/p.yaml',
      issues: [
        { line: 2, column: 10, path: 'rules.write' },
        { line: 4, column: 12, path: 'limits.maxRows' },
      ],
    });
  });

  it('survives hostile input sizes without a vague error', () => {
    const error = errorOf(`rules:\n  write: ${'x'.repeat(100_000)}\n`);
    expect(error.message).toMatch(/^policy\.yaml:2: rules\.write: expected allow, deny/);
  });
});

describe('loadPolicy', () => {
  it('names the file it could not read', () => {
    expect(() => loadPolicy('/nonexistent/airlock-policy.yaml')).toThrow(
      expect.objectContaining({ code: 'ERR_POLICY_INVALID', message: expect.stringContaining('/nonexistent/airlock-policy.yaml: cannot read') }),
    );
  });
});

describe('parsePolicy of a text it parsed before', () => {
  it('gives an equal policy that is a copy of its own: changing one changes no later parse', () => {
    const text = 'rules:\n  write: allow\n';
    const first = parsePolicy(text, 'memo.yaml');
    first.rules.write = 'deny' as never;
    (first.limits as { maxRows: number }).maxRows = 1;
    const second = parsePolicy(text, 'memo.yaml');
    expect(second.rules.write).toBe('allow');
    expect(second.limits.maxRows).not.toBe(1);
    expect(parsePolicy(text, 'memo.yaml')).toEqual(second);
    expect(parsePolicy(text, 'memo.yaml')).not.toBe(second);
  });

  it('still refuses a bad text every time, naming the file', () => {
    for (const file of ['a.yaml', 'b.yaml']) expect(() => parsePolicy('rules:\n  write: { approval: 0 }\n', file)).toThrow(new RegExp(`^${file}:2: `));
  });
});
