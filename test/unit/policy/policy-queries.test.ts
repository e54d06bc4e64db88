import { describe, expect, it } from 'vitest';
import { findApprover } from '#shared/policy/find-approver.js';
import { isAuditor } from '#shared/policy/is-auditor.js';
import { maskingConfigOf, sensitiveColumnPatterns } from '#shared/policy/masking-config.js';
import { parsePolicy } from '#shared/policy/parse-policy.js';
import { principal } from './fixtures.js';

const policy = parsePolicy(
  [
    'approvers:',
    '  - { slackUserId: UAPPROVER1, email: approver1@example.com, name: One }',
    'auditorGroups: [airlock-auditors]',
    'masking:',
    '  columns:',
    '    - { pattern: EMAIL, rule: pseudonym }',
    '    - { pattern: CUSTOMERS.SSN, rule: redact }',
    '  detectors: { iban: off }',
  ].join('\n'),
  'p.yaml',
);

describe('policy queries', () => {
  it('isAuditor: members of an auditor group only, compared exactly', () => {
    expect(isAuditor(policy, principal('x', 'airlock-auditors'))).toBe(true);
    expect(isAuditor(policy, principal('AIRLOCK-AUDITORS'))).toBe(false);
    expect(isAuditor(policy, principal())).toBe(false);
  });

  it('findApprover: by Slack user id', () => {
    expect(findApprover(policy, 'UAPPROVER1')).toEqual({ slackUserId: 'UAPPROVER1', email: 'approver1@example.com', name: 'One' });
    expect(findApprover(policy, 'UNOBODY')).toBeUndefined();
  });

  it('maskingConfigOf: column rules and detectors from the policy, key from the caller, copied', () => {
    const key = new Uint8Array([1, 2, 3]);
    const config = maskingConfigOf(policy, key);
    expect(config.columns).toEqual([
      { pattern: 'EMAIL', rule: 'pseudonym' },
      { pattern: 'CUSTOMERS.SSN', rule: 'redact' },
    ]);
    expect(config.detectors.iban).toBe('off');
    expect(config.detectors.email).toBe('pseudonym');
    expect(config.key).toBe(key);
    config.columns.push({ pattern: 'X', rule: 'redact' });
    config.detectors.email = 'off';
    expect(policy.masking.columns).toHaveLength(2);
    expect(policy.masking.detectors.email).toBe('pseudonym');
  });

  it('sensitiveColumnPatterns: the masking column globs', () => {
    expect(sensitiveColumnPatterns(policy)).toEqual(['EMAIL', 'CUSTOMERS.SSN']);
  });
});
