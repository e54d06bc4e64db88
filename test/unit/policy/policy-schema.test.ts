import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTORS, POLICY_DEFAULTS } from '#shared/policy/policy-schema.js';
import { parsePolicy } from '#shared/policy/parse-policy.js';
import { DEFAULT_POLICY_PATH, loadPolicy } from '#shared/policy/load-policy.js';

describe('policy defaults', () => {
  it('an empty file is the docs/interfaces.md default policy', () => {
    const policy = parsePolicy('', 'empty.yaml');
    expect(policy.rules).toEqual({ read: 'allow', write: { approval: 1 }, privileged: { approval: 2 }, blocked: 'deny' });
    expect(policy.approval.timeoutSeconds).toBe(3600);
    expect(policy.limits).toEqual({
      statementTimeoutSeconds: 20,
      maxRows: 1000,
      maxBytes: 262_144,
      pendingApprovalsPerIdentity: 20,
      approvalRequestsPerHour: 60,
      perIdentity: { concurrentStatements: 32, requestsPerMinute: 1200, burst: 40, warehouseSecondsPerHour: 1800, groups: [] },
    });
    expect(policy.approval.subaddressDomains).toEqual(['*']);
    expect(policy.overrides).toEqual([]);
    expect(policy.sensitive.objects).toEqual([]);
    expect(policy.masking.columns).toEqual([]);
    expect(policy.approvers).toEqual([]);
    expect(policy.approverGroups).toEqual([]);
    expect(policy.auditorGroups).toEqual([]);
    expect(policy.warehouse).toEqual({});
  });

  it('a comment-only file is the default policy too', () => {
    expect(parsePolicy('# nothing yet\n', 'p.yaml')).toEqual(parsePolicy('', 'p.yaml'));
  });

  it('all detectors are on by default with the documented rules', () => {
    expect(parsePolicy('', 'p.yaml').masking.detectors).toEqual({
      email: 'pseudonym',
      phone: 'partial',
      ssn: 'redact',
      payment_card: 'partial',
      iban: 'partial',
      aws_access_key: 'redact',
      jwt: 'redact',
      bearer_token: 'redact',
      private_key: 'redact',
      secret: 'redact',
      person_name: 'redact',
    });
    expect(DEFAULT_DETECTORS.email).toBe('pseudonym');
  });

  it('a partial section keeps the defaults of the fields it leaves out', () => {
    const policy = parsePolicy('rules:\n  write: allow\nmasking:\n  detectors:\n    phone: off\nlimits:\n  maxRows: 10\n', 'p.yaml');
    expect(policy.rules).toEqual({ ...POLICY_DEFAULTS.rules, write: 'allow' });
    expect(policy.masking.detectors).toEqual({ ...DEFAULT_DETECTORS, phone: 'off' });
    expect(policy.limits).toEqual({ ...POLICY_DEFAULTS.limits, maxRows: 10 });
  });

  it('defaults are not shared between parsed policies', () => {
    const a = parsePolicy('', 'a.yaml');
    (a.rules.write as { approval: number }).approval = 5;
    expect(parsePolicy('', 'b.yaml').rules.write).toEqual({ approval: 1 });
  });
});

describe('the repo default policy (policy/default.yaml)', () => {
  const policy = loadPolicy();

  it('loads from policy/default.yaml when no path is given', () => {
    expect(DEFAULT_POLICY_PATH.replace(/\\/g, '/')).toMatch(/\/policy\/default\.yaml$/);
    expect(loadPolicy('')).toEqual(policy);
  });

  it('keeps the documented class rules, timeouts and limits', () => {
    expect(policy.rules).toEqual(POLICY_DEFAULTS.rules);
    expect(policy.approval).toEqual(POLICY_DEFAULTS.approval);
    expect(policy.limits).toEqual(POLICY_DEFAULTS.limits);
    expect(policy.masking.detectors).toEqual(DEFAULT_DETECTORS);
  });

  it('names the two demo approvers and the auditor group', () => {
    expect(policy.approvers.map((a) => [a.slackUserId, a.email])).toEqual([
      ['UAPPROVER1', 'approver1@example.com'],
      ['UAPPROVER2', 'approver2@example.com'],
    ]);
    expect(policy.auditorGroups).toEqual(['airlock-auditors']);
  });

  it('resolves against DEMO.MAIN and masks the demo PII columns', () => {
    expect(policy.warehouse).toEqual({ database: 'DEMO', schema: 'MAIN' });
    const patterns = policy.masking.columns.map((c) => c.pattern);
    for (const p of ['EMAIL', 'PHONE', 'SSN', 'CARD_NUMBER', 'ADDRESS', 'CUSTOMERS.NAME']) expect(patterns).toContain(p);
    expect(policy.sensitive.objects.map((o) => o.pattern)).toContain('*.HR.*');
  });
});
