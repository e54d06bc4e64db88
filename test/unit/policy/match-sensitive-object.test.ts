import { describe, expect, it } from 'vitest';
import { matchSensitiveObject } from '#shared/policy/match-sensitive-object.js';
import { parsePolicy } from '#shared/policy/parse-policy.js';
import { resolveObjectName } from '#shared/policy/resolve-object-name.js';
import type { ObjectRef } from '#shared/sql/types.js';
import { stage } from './fixtures.js';

function policyWith(warehouse: string, ...patterns: string[]) {
  const objects = patterns.map((p) => `    - { pattern: '${p}', action: deny }`).join('\n');
  return parsePolicy(`${warehouse}\nsensitive:\n  objects:\n${objects}\n`, 'p.yaml');
}

/** As the classifier hands names over: unquoted parts upper-cased, quoted parts kept. */
function ref(...parts: string[]): ObjectRef {
  return { name: parts.join('.'), parts, kind: 'table', access: 'read' };
}

const demo = 'warehouse: { database: DEMO, schema: PUBLIC }';

describe('sensitive object matching', () => {
  it('matches a fully qualified name against each part glob', () => {
    const policy = policyWith(demo, 'PROD.HR.*');
    expect(matchSensitiveObject(policy, ref('PROD', 'HR', 'SALARIES'))?.index).toBe(0);
    expect(matchSensitiveObject(policy, ref('PROD', 'HRX', 'SALARIES'))).toBeUndefined();
    expect(matchSensitiveObject(policy, ref('PRODUCTION', 'HR', 'SALARIES'))).toBeUndefined();
  });

  it('resolves unqualified and schema-qualified names against warehouse database and schema', () => {
    const policy = policyWith(demo, 'DEMO.PUBLIC.CUSTOMERS', 'DEMO.HR.*');
    expect(matchSensitiveObject(policy, ref('CUSTOMERS'))?.index).toBe(0);
    expect(matchSensitiveObject(policy, ref('HR', 'EMPLOYEES'))?.index).toBe(1);
    expect(matchSensitiveObject(policy, ref('OTHER', 'PUBLIC', 'CUSTOMERS'))).toBeUndefined();
    expect(resolveObjectName(ref('CUSTOMERS'), { database: 'DEMO', schema: 'PUBLIC' })).toEqual({ parts: ['DEMO', 'PUBLIC', 'CUSTOMERS'] });
  });

  it('is case-sensitive: a quoted lower-case identifier keeps its case and does not match an upper-case pattern', () => {
    const policy = policyWith(demo, '*.*.SALARIES', '*.*.Payroll');
    expect(matchSensitiveObject(policy, ref('DEMO', 'HR', 'salaries'))).toBeUndefined();
    expect(matchSensitiveObject(policy, ref('DEMO', 'HR', 'SALARIES'))?.index).toBe(0);
    expect(matchSensitiveObject(policy, ref('DEMO', 'HR', 'Payroll'))?.index).toBe(1);
    expect(matchSensitiveObject(policy, ref('DEMO', 'HR', 'PAYROLL'))).toBeUndefined();
  });

  it('keeps a quoted part with a dot as one part, in names and in patterns', () => {
    const policy = policyWith(demo, 'DEMO.HR."pay.roll"');
    expect(matchSensitiveObject(policy, ref('DEMO', 'HR', 'pay.roll'))?.index).toBe(0);
    expect(matchSensitiveObject(policy, ref('DEMO', 'HR', 'pay'))).toBeUndefined();
  });

  it('treats ? as one character and * as any run within one part only', () => {
    const policy = policyWith(demo, 'DEMO.HR?.*');
    expect(matchSensitiveObject(policy, ref('DEMO', 'HR1', 'X'))?.index).toBe(0);
    expect(matchSensitiveObject(policy, ref('DEMO', 'HR', 'X'))).toBeUndefined();
  });

  it('treats a name with more than three parts as unresolvable, hence sensitive', () => {
    const match = matchSensitiveObject(policyWith(demo, 'A.B.C'), ref('DEMO', 'A', 'B', 'X'));
    expect(match?.resolved.unresolved).toBe('the name has no usable parts');
  });

  it('treats a name that cannot be resolved (no default database/schema) as sensitive when it could match', () => {
    const policy = policyWith('', 'PROD.HR.*');
    const match = matchSensitiveObject(policy, ref('EMPLOYEES'));
    expect(match?.index).toBe(0);
    expect(match?.resolved.unresolved).toMatch(/no default database/);
    expect(matchSensitiveObject(policy, ref('HR', 'EMPLOYEES'))?.index).toBe(0);
    // A known part that cannot match still rules the pattern out.
    expect(matchSensitiveObject(policy, ref('SALES', 'ORDERS'))).toBeUndefined();
  });

  it('treats a missing default schema as unresolvable too', () => {
    const policy = policyWith('warehouse: { database: DEMO }', 'DEMO.HR.*');
    expect(matchSensitiveObject(policy, ref('EMPLOYEES'))?.resolved.unresolved).toMatch(/no default schema/);
  });

  it('treats stages and other non-table objects as matching every pattern, strictest first', () => {
    const policy = parsePolicy(
      'sensitive:\n  objects:\n    - { pattern: "A.B.C", action: { approval: 2 } }\n    - { pattern: "X.Y.Z", action: { approval: 3 } }\n',
      'p.yaml',
    );
    expect(matchSensitiveObject(policy, stage('@~'))).toMatchObject({ index: 1, action: { approval: 3 } });
    const other: ObjectRef = { name: 'DEMO.PUBLIC.MY_FN', parts: ['DEMO', 'PUBLIC', 'MY_FN'], kind: 'other', access: 'read' };
    expect(matchSensitiveObject(policy, other)?.index).toBe(1);
  });

  it('finds nothing sensitive when the policy lists no objects, even for stages', () => {
    expect(matchSensitiveObject(parsePolicy('', 'p.yaml'), stage('@S'))).toBeUndefined();
  });
});
