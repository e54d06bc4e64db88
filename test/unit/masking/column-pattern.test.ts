import { describe, expect, it } from 'vitest';
import { columnRuleMatches, compileColumnRule } from '#shared/masking/column-pattern.js';

const matches = (pattern: string, object: string | null, column: string, bareOnly = false): boolean =>
  columnRuleMatches(compileColumnRule({ pattern, rule: 'redact' }), object === null ? null : object.toUpperCase().split('.'), column.toUpperCase(), bareOnly);

describe('column patterns', () => {
  it.each([
    ['EMAIL', null, 'email', true],
    ['email', 'PROD.PUBLIC.CUSTOMERS', 'EMAIL', true],
    ['*_EMAIL', null, 'BILLING_EMAIL', true],
    ['*_EMAIL', null, 'EMAIL', false],
    ['CUSTOMERS.EMAIL', 'CUSTOMERS', 'EMAIL', true],
    ['CUSTOMERS.EMAIL', 'ORDERS', 'EMAIL', false],
    ['CUSTOMERS.EMAIL', 'PROD.PUBLIC.CUSTOMERS', 'EMAIL', true],
    ['PROD.PUBLIC.CUSTOMERS.EMAIL', 'PROD.PUBLIC.CUSTOMERS', 'EMAIL', true],
    ['PROD.PUBLIC.CUSTOMERS.EMAIL', 'DEV.PUBLIC.CUSTOMERS', 'EMAIL', false],
    // The query wrote `customers` unqualified: it may be PROD's, so the rule applies.
    ['PROD.PUBLIC.CUSTOMERS.EMAIL', 'CUSTOMERS', 'EMAIL', true],
    ['*.*.CUSTOMERS.EMAIL', 'X.Y.CUSTOMERS', 'EMAIL', true],
    ['PROD.*.*.SSN', 'PROD.HR.EMPLOYEES', 'SSN', true],
    ['PROD.*.*.SSN', 'DEV.HR.EMPLOYEES', 'SSN', false],
    ['CUST*.E*L', 'CUSTOMERS', 'EMAIL', true],
    ['CUSTOMERS.EMAIL', null, 'EMAIL', true],
  ] as const)('%s vs %s.%s → %s', (pattern, object, column, expected) => {
    expect(matches(pattern, object, column)).toBe(expected);
  });

  it('treats regex characters in a pattern literally', () => {
    expect(matches('A+B', null, 'A+B')).toBe(true);
    expect(matches('A+B', null, 'AAB')).toBe(false);
  });

  it('bareOnly ignores qualified patterns', () => {
    expect(matches('CUSTOMERS.EMAIL', null, 'EMAIL', true)).toBe(false);
    expect(matches('EMAIL', null, 'EMAIL', true)).toBe(true);
  });

  it('rejects malformed patterns with a config error naming the pattern', () => {
    expect(() => compileColumnRule({ pattern: 'A..B', rule: 'redact' })).toThrow(expect.objectContaining({ code: 'ERR_MASKING_CONFIG' }));
    expect(() => compileColumnRule({ pattern: 'A.B.C.D.E', rule: 'redact' })).toThrow(/A\.B\.C\.D\.E/);
  });
});
