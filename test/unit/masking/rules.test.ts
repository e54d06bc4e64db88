import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { maskResult } from '#shared/masking/mask-result.js';
import { partialMask } from '#shared/masking/partial-mask.js';
import { Pseudonymizer } from '#shared/masking/pseudonymizer.js';
import { RULE_STRICTNESS, stricterRule } from '#shared/masking/rule-strictness.js';
import type { MaskRule } from '#shared/masking/types.js';
import { col, config, input, KEY, maskText, only, OTHER_KEY } from './masking-fixtures.js';

function maskColumn(rule: MaskRule, values: unknown[], key = KEY): unknown[] {
  const out = maskResult(input({ columns: [col('V')], rows: values.map((v) => [v]) }), config([{ pattern: 'V', rule }], {}, key));
  return out.rows.map((r) => r[0]);
}

describe('partial', () => {
  it.each([
    ['123-45-6789', '***-**-6789'],
    ['4242424242424242', '************4242'],
    ['4242 4242 4242 4242', '**** **** **** 4242'],
    ['+1 (555) 123-4567', '+* (***) ***-4567'],
    ['DE89 3704 0044 0532 0130 00', '**** **** **** **** **30 00'],
    ['1234567', '****567'],
    ['12345', '****5'],
    ['1234', '****'],
  ])('keeps at most the last 4 of %j', (value, expected) => {
    expect(partialMask(value)).toBe(expected);
  });

  it('keeps nothing of emails or text (the caller redacts)', () => {
    expect(partialMask('ann@example.com')).toBeNull();
    expect(partialMask('Alice Smith')).toBeNull();
    expect(partialMask('Zürich 8001')).toBeNull();
  });

  it('as a column rule: numbers become masked strings, emails keep nothing (not the domain)', () => {
    const out = maskColumn('partial', [4242424242424242, 'ann@example.com', '555-123-4567', null, true]);
    expect(out).toEqual(['************4242', '[REDACTED]', '***-***-4567', null, '[REDACTED]']);
    expect(JSON.stringify(out)).not.toContain('example');
  });

  it('as a detector rule: number-like detections keep the last 4, emails and secrets keep nothing', () => {
    const cfg = config([], { email: 'partial', ssn: 'partial', payment_card: 'partial', phone: 'partial', aws_access_key: 'partial' });
    expect(maskText('ssn 123-45-6789, card 4242424242424242, tel (555) 123-4567', cfg)).toBe(
      'ssn ***-**-6789, card ************4242, tel (***) ***-4567',
    );
    expect(maskText('mail ann@example.com key AKIAIOSFODNN7EXAMPLE', cfg)).toBe('mail [REDACTED:email] key [REDACTED:aws_access_key]');
  });
});

describe('redact', () => {
  it('replaces any non-null value whole with a fixed token', () => {
    expect(maskColumn('redact', ['123-45-6789', 42, { a: 1 }, null, ''])).toEqual(['[REDACTED]', '[REDACTED]', '[REDACTED]', null, '[REDACTED]']);
    expect(maskText('ssn 123-45-6789', only('ssn'))).toBe('ssn [REDACTED:ssn]');
  });
});

describe('pseudonym', () => {
  it('is deterministic, key-dependent, and contains nothing of the value', () => {
    const [a, b, c] = maskColumn('pseudonym', ['alice-123', 'alice-123', 'bob-456']);
    const [other] = maskColumn('pseudonym', ['alice-123'], OTHER_KEY);
    expect(a).toMatch(/^tok_[0-9a-f]{16}$/);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(other).not.toBe(a);
    expect(String(a)).not.toContain('123');
  });

  it('is HMAC-SHA256(key, normalised value), the fast path agreeing with createHmac', () => {
    const p = new Pseudonymizer(KEY);
    for (const v of ['x', 'ann@example.com', 'é'.repeat(40), 'z'.repeat(5000)]) {
      const expected = createHmac('sha256', KEY).update(v, 'utf8').digest('hex').slice(0, 16);
      expect(p.token('tok', v)).toBe(`tok_${expected}`);
    }
    const longKey = new Uint8Array(100).fill(3);
    expect(new Pseudonymizer(longKey).token('t', 'v')).toBe(`t_${createHmac('sha256', longKey).update('v').digest('hex').slice(0, 16)}`);
  });

  it('gives an email the same token in an EMAIL column and inside free text (case-insensitive)', () => {
    const out = maskResult(
      input({ columns: [col('EMAIL'), col('NOTES')], rows: [['Ann@Example.com', 'wrote from ann@example.com today']] }),
      config([{ pattern: 'EMAIL', rule: 'pseudonym' }], { email: 'pseudonym' }),
    );
    const [email, notes] = out.rows[0] ?? [];
    expect(email).toMatch(/^email_[0-9a-f]{16}$/);
    expect(notes).toBe(`wrote from ${String(email)} today`);
  });

  it('needs no key when nothing is pseudonymised', () => {
    expect(maskText('ssn 123-45-6789', config([{ pattern: 'X', rule: 'redact' }], {}, new Uint8Array(0)))).toBe('ssn [REDACTED:ssn]');
  });

  it('refuses a short key when a pseudonym rule is configured, without echoing it', () => {
    const cfg = config([{ pattern: 'EMAIL', rule: 'pseudonym' }], {}, new Uint8Array(4));
    expect(() => maskText('x', cfg)).toThrow(expect.objectContaining({ code: 'ERR_MASKING_CONFIG' }));
  });
});

describe('strictness', () => {
  it('orders redact > pseudonym > partial', () => {
    expect(RULE_STRICTNESS).toEqual(['redact', 'pseudonym', 'partial']);
    expect(stricterRule('partial', 'pseudonym')).toBe('pseudonym');
    expect(stricterRule('pseudonym', 'redact')).toBe('redact');
    expect(stricterRule(null, 'partial')).toBe('partial');
  });

  it('applies the strictest of several matching column rules', () => {
    const out = maskResult(
      input({ columns: [col('CUSTOMER_EMAIL')], rows: [['ann@example.com']] }),
      config([
        { pattern: '*_EMAIL', rule: 'partial' },
        { pattern: 'customer_*', rule: 'pseudonym' },
      ]),
    );
    expect(out.rows[0]?.[0]).toMatch(/^email_/);
    expect(out.masked).toEqual([{ column: 'CUSTOMER_EMAIL', rule: 'pseudonym', cells: 1 }]);
  });
});
