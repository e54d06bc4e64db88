import { describe, expect, it } from 'vitest';
import { maskText, only } from './masking-fixtures.js';

/** Values the earlier detectors missed, each in its own cell. */
describe('detectors: national phones, dotted and labelled SSNs, dashed IBANs, secrets, names', () => {
  it.each([
    ['phone', 'Mobile: 07911 123456', 'Mobile: [REDACTED:phone]'],
    ['phone', 'Call Jo on 0412 345 678 after 5pm', 'Call Jo on [REDACTED:phone] after 5pm'],
    ['phone', 'JP 080-2345-6789', 'JP [REDACTED:phone]'],
    ['phone', '350 Fifth Avenue, New York, NY 10118, 212-555-0199', '350 Fifth Avenue, New York, NY 10118, [REDACTED:phone]'],
    ['ssn', 'SSN 219.09.9999', 'SSN [REDACTED:ssn]'],
    ['ssn', 'SSN: 219099999', 'SSN: [REDACTED:ssn]'],
    ['iban', 'IBAN DE89-3704-0044-0532-0130-00', 'IBAN [REDACTED:iban]'],
    ['aws_access_key', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_access_key = [REDACTED:aws_access_key]'],
    ['private_key', '-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQWGBGSVV4YB\n=8xQN\n-----END PGP PRIVATE KEY BLOCK-----', '[REDACTED:private_key]'],
    ['private_key', 'k -----BEGIN RSA PRIVATE KEY-----\nsuper secret private key here\n-----END RSA PRIVATE KEY-----', 'k [REDACTED:private_key]'],
    ['secret', 'token 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', 'token [REDACTED:secret]'],
    ['secret', 'STRIPE_SECRET_KEY=sk_live_AAAAAAAAAAAAAAAAAAAAAAAA', 'STRIPE_SECRET_KEY=[REDACTED:secret]'],
    // secretlint's basic-auth rule reports the whole URL; the union is masked.
    ['secret', 'db https://apiuser:r3alP4ssw0rd@api.production.com/v2', 'db [REDACTED:secret]/v2'],
    ['person_name', 'Thanks, Emily', 'Thanks, [REDACTED:person_name]'],
    ['person_name', 'Dear Mr Okafor, your order has shipped.', 'Dear Mr [REDACTED:person_name], your order has shipped.'],
    ['person_name', 'Name: Priya Raman', 'Name: [REDACTED:person_name]'],
    // An ambiguous first name counts as a name only with a surname: one written with a
    // non-ASCII capital ("Ø", "Ł", "Ś") is a surname too.
    ['person_name', 'Rose Østergaard called about the invoice', '[REDACTED:person_name] called about the invoice'],
    ['person_name', 'the note from Will Łukasiewicz arrived', 'the note from [REDACTED:person_name] arrived'],
  ] as const)('%s: %j', (name, text, expected) => {
    expect(maskText(text, only(name))).toBe(expected);
  });

  it.each([
    ['phone', 'order 1234567890 refunded'],
    ['phone', 'ISBN 978-3-16-148410-0'],
    ['phone', 'Mar 15 2024 09:12:44'],
    ['ssn', 'ticket 219099999'],
    ['secret', 'const API_URL = "https://${username}:${password}@api.example.com/v1";'],
    ['secret', 'pk_live_AAAAAAAAAAAAAAAAAAAAAAAA'],
    ['person_name', 'May the force be with you'],
    ['person_name', 'Port 80:443'],
  ] as const)('%s leaves %j alone', (name, text) => {
    expect(maskText(text, only(name))).toBe(text);
  });

  it('stays linear on 1 MB hostile cells for every new detector', () => {
    const cases = [
      'Thanks, '.repeat(130_000),
      'Mr '.repeat(350_000),
      'Aaaa'.repeat(260_000) + '1',
      '0412 345 678 '.repeat(80_000),
      'https://a:b@'.repeat(90_000),
      'sk-ant-api03-'.repeat(80_000),
      '-----BEGIN x '.repeat(80_000) + '-----begin',
      'ssn 219099999 '.repeat(70_000),
      'DE89-3704-'.repeat(100_000),
    ];
    for (const text of cases) {
      const t0 = performance.now();
      maskText(text);
      expect(performance.now() - t0).toBeLessThan(20_000);
    }
  }, 240_000);
});

describe('phone validation budget', () => {
  it('masks a 1 MB list of national numbers in linear time (unparsed past the per-cell budget)', () => {
    const text = '0412 345 678, '.repeat(75_000);
    const t0 = performance.now();
    const out = String(maskText(text, only('phone')));
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(out).not.toContain('345 678');
  }, 60_000);
});
