import { describe, expect, it } from 'vitest';
import { identityQuotaFor } from '#shared/policy/identity-quota.js';
import { parsePolicy } from '#shared/policy/parse-policy.js';

const policy = parsePolicy(
  `
limits:
  statementTimeoutSeconds: 20
  maxRows: 1000
  perIdentity:
    concurrentStatements: 3
    requestsPerMinute: 60
    warehouseSecondsPerDay: 3600
    groups:
      - group: batch
        concurrentStatements: 6
        requestsPerMinute: 30
      - group: contractors
        concurrentStatements: 1
        maxRows: 5000
        statementTimeoutSeconds: 5
`,
  'p.yaml',
);

describe('identityQuotaFor (limits.perIdentity)', () => {
  it('gives the base values to an identity in no listed group, and the global statement limits', () => {
    expect(identityQuotaFor(policy, [])).toEqual({ concurrentStatements: 3, requestsPerMinute: 60, warehouseSecondsPerDay: 3600, maxRows: 1000, statementTimeoutSeconds: 20 });
  });

  it('lets a group replace a base value, and with several groups the most restrictive wins per field', () => {
    expect(identityQuotaFor(policy, ['batch'])).toMatchObject({ concurrentStatements: 6, requestsPerMinute: 30 });
    expect(identityQuotaFor(policy, ['batch', 'contractors'])).toMatchObject({ concurrentStatements: 1, requestsPerMinute: 30, statementTimeoutSeconds: 5 });
  });

  it('never raises maxRows or the statement timeout above the global limits (cost guard)', () => {
    expect(identityQuotaFor(policy, ['contractors']).maxRows).toBe(1000);
  });

  it('gives the documented defaults without a limits.perIdentity block, and a block replaces them whole', () => {
    expect(identityQuotaFor(parsePolicy('', 'e.yaml'), ['x'])).toEqual({ concurrentStatements: 32, requestsPerMinute: 1200, burst: 40, warehouseSecondsPerHour: 1800, maxRows: 1000, statementTimeoutSeconds: 20 });
    const onlyRate = parsePolicy('limits:\n  perIdentity:\n    requestsPerMinute: 30\n', 'r.yaml');
    expect(identityQuotaFor(onlyRate, [])).toEqual({ requestsPerMinute: 30, maxRows: 1000, statementTimeoutSeconds: 20 });
  });

  it('rejects a bad quota with the field path', () => {
    expect(() => parsePolicy('limits:\n  perIdentity:\n    requestsPerMinute: 0\n', 'bad.yaml')).toThrow(/limits\.perIdentity\.requestsPerMinute/);
    expect(() => parsePolicy('limits:\n  perIdentity:\n    groups:\n      - group: a\n        statementTimeoutSeconds: 90\n', 'bad.yaml')).toThrow(/statementTimeoutSeconds/);
    expect(() => parsePolicy('limits:\n  perIdentity:\n    burst: 0\n', 'bad.yaml')).toThrow(/limits\.perIdentity\.burst/);
    expect(() => parsePolicy('limits:\n  perIdentity:\n    requestsPerSecond: 3\n', 'bad.yaml')).toThrow(/requestsPerSecond/);
  });
});
