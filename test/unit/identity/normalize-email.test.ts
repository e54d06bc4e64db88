import { describe, expect, it } from 'vitest';
import { normalizeEmail } from '#shared/identity/normalize-email.js';

const ALL = ['*'];

describe('normalizeEmail: every spelling of one mailbox compares equal', () => {
  it.each([
    ['approver1@example.com', 'plain'],
    [' approver1@example.com', 'leading space (from the issue)'],
    ['approver1@example.com\t\n', 'trailing whitespace'],
    ['\u00a0approver1@example.com\u2003', 'no-break and em spaces'],
    ['APPROVER1@EXAMPLE.COM', 'upper case'],
    ['Approver1@Example.Com', 'mixed case'],
    ['approver1+agent@example.com', '+tag (from the issue)'],
    ['approver1+a+b@example.com', 'two plus signs'],
    ['approver1@example.com.', 'trailing dot on the domain (FQDN form)'],
    ['approver1@example.com..', 'two trailing dots'],
    ['"approver1"@example.com', 'quoted local part'],
    ['"approver1+x"@example.com', 'quoted local part with a tag'],
    ['approver1(work)@example.com', 'RFC 5322 comment'],
    ['<approver1@example.com>', 'angle brackets'],
    ['Approver One <approver1@example.com>', 'display-name form'],
    ['"approver1@example.com"', 'the whole address quoted'],
    ["'approver1@example.com'", 'the whole address in single quotes'],
    ['mailto:approver1@example.com', 'mailto: prefix'],
    ['ａｐｐｒｏｖｅｒ１@ｅｘａｍｐｌｅ．ｃｏｍ', 'fullwidth letters, digit and dot (NFKC)'],
    ['approver\u2081@example.com', 'subscript one (NFKC)'],
    ['approver\u00b9@example.com', 'superscript one (NFKC)'],
    ['appro\u200bver1@example.com', 'zero-width space'],
    ['appro\u00adver1@example.com', 'soft hyphen'],
    ['\ufeffapprover1@example.com', 'byte-order mark'],
    ['approver1@exa\u200dmple.com', 'zero-width joiner in the domain'],
    ['\u0430pprover1@example.com', 'Cyrillic а (confusable)'],
    ['appr\u043ever1@ex\u0430mple.com', 'Cyrillic о and а in local part and domain'],
    ['appr\u03bfver1@example.com', 'Greek omicron'],
    ['approver1@EXAMPLE.COM', 'upper-case domain'],
    ['\u0041PPROVER1@example.com', 'escaped capital'],
  ])('%j (%s) → approver1@example.com', (raw) => {
    expect(normalizeEmail(raw, ALL)).toBe('approver1@example.com');
  });

  it('folds the Kelvin sign and the long s (NFKC + case folding)', () => {
    expect(normalizeEmail('\u212aate@example.com', ALL)).toBe(normalizeEmail('kate@example.com', ALL));
    expect(normalizeEmail('\u017fam@example.com', ALL)).toBe(normalizeEmail('sam@example.com', ALL));
    expect(normalizeEmail('STRA\u1e9eE@example.com', ALL)).toBe(normalizeEmail('strasse@example.com', ALL));
  });

  it('an internationalised domain compares in its ASCII (IDNA) form', () => {
    expect(normalizeEmail('ops@bücher.example', ALL)).toBe(normalizeEmail('ops@xn--bcher-kva.example', ALL));
    expect(normalizeEmail('ops@BÜCHER.example', ALL)).toBe('ops@xn--bcher-kva.example');
  });

  it('removes +tag only for the listed domains', () => {
    expect(normalizeEmail('a+x@corp.example', ['corp.example'])).toBe('a@corp.example');
    expect(normalizeEmail('a+x@other.example', ['corp.example'])).toBe('a+x@other.example');
    expect(normalizeEmail('a+x@CORP.example.', ['corp.example'])).toBe('a@corp.example');
  });

  it('different people stay different', () => {
    expect(normalizeEmail('approver2@example.com', ALL)).not.toBe(normalizeEmail('approver1@example.com', ALL));
    expect(normalizeEmail('approver1@example.org', ALL)).not.toBe(normalizeEmail('approver1@example.com', ALL));
  });

  it.each(['', '   ', 'approver1', '@example.com', 'approver1@', '"x"', '+@example.com'.slice(1)])('%j is not an email → null', (raw) => {
    expect(normalizeEmail(raw, ALL)).toBeNull();
  });
});
