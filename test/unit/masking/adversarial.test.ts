import { describe, expect, it } from 'vitest';
import { maskText } from './masking-fixtures.js';

const MB = 1 << 20;
const fill = (unit: string): string => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);

// Each input targets a regex shape that backtracks catastrophically or rescans quadratically
// when written naively. The tests assert only that masking finishes and stays correct; the
// 30 s vitest timeout is the (generous) guard against super-linear time.
const INPUTS: [string, string][] = [
  ['local-part run without @', fill('a')],
  ['many @', fill('@')],
  ['a@ repeated', fill('a@')],
  ['dotted domain run', `x@${fill('a.')}`],
  ['digit run', fill('1')],
  ['spaced digits', fill('1 ')],
  ['dashed digits', fill('1-')],
  ['card-sized groups', fill('4242 ')],
  ['three-digit groups', fill('123 ')],
  ['plus digits', fill('+1 ')],
  ['phone-ish', fill('(555) 123-')],
  ['ssn-ish', fill('123-45-')],
  ['iban-ish', fill('DE89 ')],
  ['upper alnum', fill('AKIA')],
  ['eyJ segments', fill('eyJ-')],
  ['eyJ dots', fill('eyJaaaaa.')],
  ['eyJ glued', fill('eyJaaaaaeyJ')],
  ['bearer', fill('Bearer ')],
  ['pem begins', fill('-----BEGIN PRIVATE KEY-----')],
  ['pem ends', `-----BEGIN PRIVATE KEY-----${fill('-----END ')}`],
  ['json brackets', fill('[')],
  ['json nesting', `${'['.repeat(MB / 2)}${']'.repeat(MB / 2)}`],
];

describe('adversarial 1 MB strings', () => {
  it.each(INPUTS)('%s finishes', (_name, text) => {
    const out = maskText(text);
    expect(typeof out).toBe('string');
  });

  it('still masks a real value at the end of a hostile string', () => {
    const out = String(maskText(`${fill('a')} ann@example.com`));
    expect(out.endsWith(' [REDACTED:email]')).toBe(true);
  });

  it('masks an unterminated private key to the end', () => {
    expect(maskText(`x -----BEGIN EC PRIVATE KEY-----${fill('A')}`)).toBe('x [REDACTED:private_key]');
  });
});
