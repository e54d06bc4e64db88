import { describe, expect, it } from 'vitest';
import { maskResult } from '#shared/masking/mask-result.js';
import { col, config, input, maskText } from './masking-fixtures.js';

describe('nested values', () => {
  it('masks strings anywhere in a VARIANT object or array, keys included', () => {
    const variant = {
      contact: { email: 'ann@example.com', phones: ['(555) 123-4567', 'none'] },
      'bo@example.com': 1,
      amount: 4242424242424242,
      ok: true,
    };
    expect(maskText(variant)).toEqual({
      contact: { email: '[REDACTED:email]', phones: ['[REDACTED:phone]', 'none'] },
      '[REDACTED:email]': 1,
      amount: 4242424242424242,
      ok: true,
    });
  });

  it('masks JSON text inside a string and re-serialises it; untouched JSON keeps its formatting', () => {
    expect(maskText('{"ssn": "123-45-6789", "n": [1, "x"]}')).toBe('{"ssn":"[REDACTED:ssn]","n":[1,"x"]}');
    expect(maskText('[ {"id": 1} ]')).toBe('[ {"id": 1} ]');
    expect(maskText('{not json, mail ann@example.com}')).toBe('{not json, mail [REDACTED:email]}');
  });

  it('walks JSON text nested inside JSON text', () => {
    const inner = JSON.stringify({ card: '4242 4242 4242 4242' });
    expect(JSON.parse(String(maskText(JSON.stringify({ payload: inner }))))).toEqual({ payload: '{"card":"[REDACTED:payment_card]"}' });
  });

  it('keeps a "__proto__" key as data', () => {
    const out = maskText('{"__proto__": {"e": "ann@example.com"}}');
    expect(out).toBe('{"__proto__":{"e":"[REDACTED:email]"}}');
  });

  it('redacts nesting too deep to walk, and reports it', () => {
    let deep: unknown = 'ann@example.com';
    for (let i = 0; i < 100; i++) deep = [deep];
    const out = maskResult(input({ columns: [col('V', 'VARIANT')], rows: [[deep]] }), config());
    expect(JSON.stringify(out.rows)).not.toContain('example');
    expect(out.masked).toEqual([{ column: 'V', rule: 'redact', cells: 1 }]);
  });
});

describe('maskResult', () => {
  const columns = [col('ID', 'NUMBER'), col('EMAIL'), col('NOTES'), col('NOTES')];
  const rows = [
    [1, 'ann@example.com', 'call (555) 123-4567 or ann@example.com', 'ssn 123-45-6789'],
    [2, null, null, 'card 4242424242424242, 2nd ssn 234-56-7890'],
    [3, 'bo@example.com', 'nothing here', null],
  ];
  const cfg = config([{ pattern: 'EMAIL', rule: 'pseudonym' }]);

  it('reports cells changed per (column, rule), duplicate names merged, in column then detector-priority order; null never counts', () => {
    const out = maskResult(input({ columns, rows }), cfg);
    expect(out.masked).toEqual([
      { column: 'EMAIL', rule: 'pseudonym', cells: 2 },
      // first NOTES column (email, phone), then the second one's new entries (card, ssn)
      { column: 'NOTES', rule: 'detector:email', cells: 1 },
      { column: 'NOTES', rule: 'detector:phone', cells: 1 },
      { column: 'NOTES', rule: 'detector:payment_card', cells: 1 },
      { column: 'NOTES', rule: 'detector:ssn', cells: 2 },
    ]);
    expect(out.rows[1]?.[1]).toBeNull();
  });

  it('returns new arrays and never mutates the input', () => {
    const variant = { e: 'ann@example.com' };
    const data = [[1, 'ann@example.com', variant, 'x']];
    const before = JSON.stringify(data);
    const out = maskResult(input({ columns: [col('ID'), col('EMAIL'), col('V', 'VARIANT'), col('X')], rows: data }), cfg);
    expect(JSON.stringify(data)).toBe(before);
    expect(out.rows).not.toBe(data);
    expect(out.rows[0]).not.toBe(data[0]);
    expect(out.rows[0]?.[2]).toEqual({ e: '[REDACTED:email]' });
  });

  it('passes numbers, booleans and plain text through when no rule applies', () => {
    const out = maskResult(input({ columns: [col('A'), col('B'), col('C')], rows: [[5551234567, false, 'Delivered on Thursday']] }), cfg);
    expect(out.rows).toEqual([[5551234567, false, 'Delivered on Thursday']]);
    expect(out.masked).toEqual([]);
  });

  it('never lets an unmasked value reach the output', () => {
    const secrets = ['ann@example.com', '(555) 123-4567', '123-45-6789', '4242424242424242', 'AKIAIOSFODNN7EXAMPLE'];
    const out = maskResult(
      input({ columns: [col('EMAIL'), col('NOTES'), col('V', 'VARIANT')], rows: [[secrets[0], secrets.join(' | '), { list: secrets }]] }),
      cfg,
    );
    const text = JSON.stringify(out);
    for (const s of secrets) expect(text).not.toContain(s);
    expect(text).not.toContain('6789'.padStart(11, '123-45-'));
  });

  it('fails loudly on a row of the wrong width, naming positions only', () => {
    const bad = () => maskResult(input({ columns: [col('EMAIL')], rows: [['ann@example.com', 'extra@example.com']] }), cfg);
    expect(bad).toThrow(expect.objectContaining({ code: 'ERR_MASKING_SHAPE' }));
    try {
      bad();
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('example');
    }
  });

  it('rejects an unknown rule or a missing detector setting', () => {
    const unknownRule = config([{ pattern: 'A', rule: 'hash' as never }]);
    expect(() => maskText('x', unknownRule)).toThrow(expect.objectContaining({ code: 'ERR_MASKING_CONFIG' }));
    const missing = config();
    delete (missing.detectors as Partial<typeof missing.detectors>).iban;
    expect(() => maskText('x', missing)).toThrow(/iban/);
  });

  it('turns a detector off with "off"', () => {
    expect(maskText('ann@example.com 123-45-6789', config([], { email: 'off' }))).toBe('ann@example.com [REDACTED:ssn]');
  });
});
