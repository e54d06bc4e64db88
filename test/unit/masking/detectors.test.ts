import { describe, expect, it } from 'vitest';
import { ibanChecksumValid } from '#shared/masking/detectors/iban.js';
import { luhnValid } from '#shared/masking/detectors/payment-card.js';
import type { DetectorName } from '#shared/masking/types.js';
import { maskText, only } from './masking-fixtures.js';

/** [detector, text, expected output with the detector on and rule redact]. */
type Case = [DetectorName, string, string];

const POSITIVE: Case[] = [
  ['email', 'ann@example.com', '[REDACTED:email]'],
  ['email', 'write to Ann.Lee+tag@mail.example.co.uk.', 'write to [REDACTED:email].'],
  ['email', '<bo_99@x-y.io>, c.d@e.org', '<[REDACTED:email]>, [REDACTED:email]'],
  ['phone', 'call (555) 123-4567 now', 'call [REDACTED:phone] now'],
  ['phone', 'tel 555-123-4567', 'tel [REDACTED:phone]'],
  ['phone', 'tel 555.123.4567', 'tel [REDACTED:phone]'],
  ['phone', 'tel 1-555-123-4567', 'tel [REDACTED:phone]'],
  ['phone', 'tel +1 (555) 123-4567', 'tel [REDACTED:phone]'],
  ['phone', 'uk +44 20 7946 0958.', 'uk [REDACTED:phone].'],
  ['phone', 'fr +33 1 23 45 67 89', 'fr [REDACTED:phone]'],
  ['phone', 'de +4915112345678', 'de [REDACTED:phone]'],
  ['phone', '+44 (0)20 7946 0958 - 2024-01-15', '[REDACTED:phone] - 2024-01-15'],
  ['ssn', 'ssn 123-45-6789', 'ssn [REDACTED:ssn]'],
  ['ssn', 'ssn 123 45 6789.', 'ssn [REDACTED:ssn].'],
  ['payment_card', 'card 4242424242424242', 'card [REDACTED:payment_card]'],
  ['payment_card', 'card 4242 4242 4242 4242 exp 12/29', 'card [REDACTED:payment_card] exp 12/29'],
  ['payment_card', 'amex 3782-822463-10005', 'amex [REDACTED:payment_card]'],
  // A card inside a longer run of digit groups takes the whole run: no guessing which digits are the card.
  ['payment_card', 'ref 12 4111 1111 1111 1111', 'ref [REDACTED:payment_card]'],
  ['payment_card', 'on 2024-01-15 4242 4242 4242 4242 ok', 'on [REDACTED:payment_card] ok'],
  ['iban', 'iban DE89 3704 0044 0532 0130 00', 'iban [REDACTED:iban]'],
  ['iban', 'GB82WEST12345698765432 paid', '[REDACTED:iban] paid'],
  ['iban', 'to DE89 3704 0044 0532 0130 00 ABCD', 'to [REDACTED:iban] ABCD'],
  ['aws_access_key', 'key=AKIAIOSFODNN7EXAMPLE;', 'key=[REDACTED:aws_access_key];'],
  ['aws_access_key', 'ASIAY34FZKBOKMUTVV7A', '[REDACTED:aws_access_key]'],
  ['aws_access_key', 'at 2024-01-15AKIAIOSFODNN7EXAMPLE', 'at 2024-01-15[REDACTED:aws_access_key]'],
  [
    'jwt',
    'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.abc123_-XYZ done',
    'token [REDACTED:jwt] done',
  ],
  ['bearer_token', 'Authorization: Bearer abc.DEF-123_456~+/=', 'Authorization: Bearer [REDACTED:bearer_token]'],
  ['bearer_token', 'authorization: bearer 0123456789abcdef', 'authorization: bearer [REDACTED:bearer_token]'],
  ['jwt', 'id998877eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig', 'id998877[REDACTED:jwt]'],
  ['email', 'mail ann@example.com-4242 now', 'mail [REDACTED:email]-4242 now'],
  ['phone', 'tel (555) 234-5678-ext 12', 'tel [REDACTED:phone]-ext 12'],
  ['phone', 'call.(555) 234-5678.', 'call.[REDACTED:phone].'],
  ['ssn', 'SSN-123-45-6789-', 'SSN-[REDACTED:ssn]-'],
  [
    'private_key',
    'k: -----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY----- end',
    'k: [REDACTED:private_key] end',
  ],
  ['private_key', 'cut -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg', 'cut [REDACTED:private_key]'],
];

const NEGATIVE: Case[] = [
  ['email', 'user@localhost and @handle and a@b', 'user@localhost and @handle and a@b'],
  ['email', 'price 3@5.00', 'price 3@5.00'],
  ['phone', 'order 5551234567', 'order 5551234567'],
  ['phone', 'on 2024-01-15 at 10:30', 'on 2024-01-15 at 10:30'],
  ['phone', 'ORD-555-123-4567', 'ORD-555-123-4567'],
  ['phone', 'id 12345 qty 7', 'id 12345 qty 7'],
  ['phone', 'ip 192.168.100.1', 'ip 192.168.100.1'],
  ['phone', 'area 155-123-4567', 'area 155-123-4567'],
  ['phone', 'short +1 555', 'short +1 555'],
  ['phone', 'long +1234567890123456789', 'long +1234567890123456789'],
  ['ssn', '000-12-3456 666-12-3456 912-12-3456', '000-12-3456 666-12-3456 912-12-3456'],
  ['ssn', '123-00-4567 123-45-0000 123456789', '123-00-4567 123-45-0000 123456789'],
  ['ssn', '2024-01-1234 and 123-45-67890', '2024-01-1234 and 123-45-67890'],
  ['ssn', 'id 2024-123-45-6789 and 123-45-6789-01', 'id 2024-123-45-6789 and 123-45-6789-01'],
  ['payment_card', 'card 4242424242424241', 'card 4242424242424241'],
  ['payment_card', 'id 1234567890123452', 'id 1234567890123452'],
  ['payment_card', 'short 424242424242', 'short 424242424242'],
  ['payment_card', 'zeros 4444444444444444', 'zeros 4444444444444444'],
  ['payment_card', 'table 12 34 56 78 90 12 34 56 78 90', 'table 12 34 56 78 90 12 34 56 78 90'],
  ['iban', 'DE88 3704 0044 0532 0130 00', 'DE88 3704 0044 0532 0130 00'],
  ['iban', 'de89 3704 0044 0532 0130 00', 'de89 3704 0044 0532 0130 00'],
  ['aws_access_key', 'AKIA123 AKIAIOSFODNN7EXAMPLEX', 'AKIA123 AKIAIOSFODNN7EXAMPLEX'],
  ['jwt', 'eyJhbGciOiJIUzI1NiJ9 only one segment', 'eyJhbGciOiJIUzI1NiJ9 only one segment'],
  ['bearer_token', 'the bearer of bad news', 'the bearer of bad news'],
  ['private_key', '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----', '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----'],
];

describe('content detectors', () => {
  it.each(POSITIVE)('%s finds the value in %j', (name, text, expected) => {
    expect(maskText(text, only(name))).toBe(expected);
  });

  it.each(NEGATIVE)('%s leaves %j alone', (name, text, expected) => {
    expect(maskText(text, only(name))).toBe(expected);
  });

  it('validates checksums with Luhn and ISO 13616 mod-97', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
    expect(ibanChecksumValid('DE89370400440532013000')).toBe(true);
    expect(ibanChecksumValid('DE89370400440532013001')).toBe(false);
  });

  it('lets the higher-priority detector win an overlap (bearer over jwt, card over phone)', () => {
    const cfg = only('bearer_token');
    cfg.detectors.jwt = 'redact';
    expect(maskText('Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig_sig', cfg)).toBe('Bearer [REDACTED:bearer_token]');
    const cards = only('payment_card');
    cards.detectors.phone = 'redact';
    expect(maskText('pay 4242-4242-4242-4242', cards)).toBe('pay [REDACTED:payment_card]');
  });

  it('masks the union when detections overlap, leaving no fragment of either', () => {
    expect(maskText('call +1 555 123 4567@example.com now')).toBe('call [REDACTED:email] now');
  });

  it('masks several kinds in one string, each in place', () => {
    const text = 'ann@example.com / 555-123-4567 / 123-45-6789 / 4111 1111 1111 1111';
    expect(maskText(text)).toBe('[REDACTED:email] / [REDACTED:phone] / [REDACTED:ssn] / [REDACTED:payment_card]');
  });
});

describe('email edge cases', () => {
  it('separates addresses glued together', () => {
    expect(maskText('a@b.com.x@c.com', only('email'))).toBe('[REDACTED:email].[REDACTED:email]');
  });

  it('masks an over-long local part whole, leaving no head behind', () => {
    const local = 'x'.repeat(200);
    expect(maskText(`from ${local}@example.com`, only('email'))).toBe('from [REDACTED:email]');
  });
});
