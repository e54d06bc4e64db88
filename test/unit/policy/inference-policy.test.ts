import { describe, expect, it } from 'vitest';
import { decide, type InferenceFindings } from '#shared/policy/decide.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import { parsePolicy } from '#shared/policy/parse-policy.js';
import { classify } from '#shared/sql/classify.js';
import { classification, principal } from './fixtures.js';

const at = (line: number) => ({ line, column: 5, offset: 40 });
const use: InferenceFindings = { inference: [{ column: 'EMAIL', clause: 'JOIN … ON', at: at(3) }], opaque: [] };
const none: InferenceFindings = { inference: [], opaque: [] };

const groups = parsePolicy(
  [
    'masking:',
    '  inference: { approval: 1 }',
    'overrides:',
    '  - group: analysts',
    '    masking: { inference: allow }',
    '  - group: contractors',
    '    masking: { inference: deny }',
    '  - group: careful',
    '    masking: { inference: { approval: 2 } }',
  ].join('\n'),
  'inference.yaml',
);

describe('masking.inference', () => {
  it('defaults to { approval: 1 } and names the column, clause and line (M-INF)', () => {
    const policy = parsePolicy('', 'defaults.yaml');
    expect(policy.masking.inference).toEqual({ approval: 1 });
    const d = decide(policy, classification('read'), principal(), undefined, use);
    expect(d).toMatchObject({ outcome: 'approval', approvalsRequired: 1 });
    expect(d.reasons.map((r) => r.message)).toContain('line 3: EMAIL used in JOIN … ON (M-INF)');
    expect(d.reasons.some((r) => r.code === 'POL-INFERENCE' && r.message.includes('masking.inference'))).toBe(true);
  });

  it('does nothing without inference uses', () => {
    expect(decide(parsePolicy('', 'd.yaml'), classification('read'), principal(), undefined, none)).toMatchObject({ outcome: 'allow', reasons: [] });
  });

  it('opaque constructs count as inference uses and say every column is redacted', () => {
    const d = decide(parsePolicy('', 'd.yaml'), classification('read'), principal(), undefined, { inference: [], opaque: [{ construct: 'positional column $2', at: at(1) }] });
    expect(d.outcome).toBe('approval');
    expect(d.reasons[0]?.message).toBe('line 1: positional column $2; every output column is redacted (M-INF)');
  });

  it('takes allow, deny and approvals, and per-group overrides where the most restrictive wins', () => {
    expect(decide(parsePolicy('masking: { inference: deny }', 'x.yaml'), classification('read'), principal(), undefined, use).outcome).toBe('deny');
    expect(decide(parsePolicy('masking: { inference: allow }', 'x.yaml'), classification('read'), principal(), undefined, use).outcome).toBe('allow');
    expect(decide(groups, classification('read'), principal('analysts'), undefined, use).outcome).toBe('allow');
    expect(decide(groups, classification('read'), principal('analysts', 'careful'), undefined, use)).toMatchObject({ outcome: 'approval', approvalsRequired: 2 });
    expect(decide(groups, classification('read'), principal('careful', 'analysts', 'contractors'), undefined, use).outcome).toBe('deny');
    // It only lifts: a write that needs one approval and an inference use allowed for the group still needs one.
    expect(decide(groups, classification('write'), principal('analysts'), undefined, use)).toMatchObject({ outcome: 'approval', approvalsRequired: 1 });
  });

  it('rejects a bad value at load with the field path', () => {
    expect(() => parsePolicy('masking: { inference: sometimes }', 'bad.yaml')).toThrow(/masking\.inference/);
    expect(() => parsePolicy('overrides: [{ group: g, masking: { inference: { approval: 0 } } }]', 'bad.yaml')).toThrow(/inference/);
  });

  it('lists at most 8 M-INF reasons, counting the rest', () => {
    const many: InferenceFindings = { inference: Array.from({ length: 12 }, (_, i) => ({ column: `C${i}`, clause: 'WHERE', at: at(1) })), opaque: [] };
    const d = decide(parsePolicy('', 'd.yaml'), classification('read'), principal(), undefined, many);
    const inf = d.reasons.filter((r) => r.code === 'M-INF');
    expect(inf).toHaveLength(8);
    expect(inf[7]?.message).toBe('line 1: C7 used in WHERE and 4 more inference uses (M-INF)');
  });
});

describe('other queries\' text and results are sensitive objects in the default policy (H1)', () => {
  const policy = loadPolicy(undefined);
  it.each([
    "SELECT * FROM TABLE(RESULT_SCAN('01b2c3d4-0000-0000-0000-000000000000'))",
    "SELECT * FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))",
    'SELECT * FROM TABLE(INFORMATION_SCHEMA.QUERY_HISTORY())',
    "SELECT query_text FROM TABLE(demo.information_schema.query_history_by_user(user_name => 'SVC'))",
    'SELECT LAST_QUERY_ID() AS q',
    'SELECT query_text FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY',
    'SELECT * FROM snowflake.account_usage.access_history',
    "SELECT * FROM TABLE(GET_QUERY_OPERATOR_STATS('01ab'))",
  ])('%s needs 2 approvals, with a reason saying why', (sql) => {
    const c = classify(sql);
    expect(c.risk).toBe('read');
    const d = decide(policy, c, principal(), sql);
    expect(d).toMatchObject({ outcome: 'approval', approvalsRequired: 2 });
    expect(d.reasons.some((r) => r.code === 'POL-SENSITIVE' && /query|account usage/i.test(r.message.split('approvals: ')[1] ?? ''))).toBe(true);
  });

  it('extracts the history functions as objects, named as written', () => {
    expect(classify("SELECT * FROM TABLE(RESULT_SCAN('x'))").statements[0]?.objects.map((o) => o.name)).toEqual(['RESULT_SCAN']);
    expect(classify('SELECT * FROM TABLE(INFORMATION_SCHEMA.QUERY_HISTORY())').statements[0]?.objects.map((o) => o.name)).toEqual(['INFORMATION_SCHEMA.QUERY_HISTORY']);
  });
});
