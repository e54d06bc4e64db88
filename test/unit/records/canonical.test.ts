import { describe, expect, it } from 'vitest';
import { canonicalJson } from '#shared/records/canonical.js';

// RFC 8785 (JSON Canonicalization Scheme) published examples.
describe('canonicalJson (RFC 8785)', () => {
  it('serialises the §3.2.2 example (numbers, string escapes, literals, key order)', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        ' "literals": [null, true, false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units (§3.2.3), so an astral key sorts before U+FB33', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const out = canonicalJson(input);
    // Read the key order off the text: Object.keys() would put the integer-like "1" first.
    const keys = [...out.matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
    expect(keys).toEqual(['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
    expect(out).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis",' +
        '"€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('encodes the §3.2.3 example to the published UTF-8 bytes', () => {
    const out = canonicalJson({ '\u20ac': 'Euro Sign', '\ud83d\ude00': 'Emoji' });
    expect(Buffer.from(out, 'utf8').toString('hex')).toBe(
      '7b22e282ac223a224575726f205369676e222c22f09f9880223a22456d6f6a69227d',
    );
  });

  // Appendix B: IEEE 754 bit patterns and their required serialisation.
  const appendixB: [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  it.each(appendixB)('serialises IEEE 754 %s as %s (Appendix B)', (hex, expected) => {
    expect(canonicalJson(Buffer.from(hex, 'hex').readDoubleBE(0))).toBe(expected);
  });

  it.each([
    [1e30, '1e+30'],
    [4.5, '4.5'],
    [0.002, '0.002'],
    [1e-7, '1e-7'],
    [1e21, '1e+21'],
    [1e20, '100000000000000000000'],
    [-0, '0'],
  ])('serialises the number %s as %s', (n, expected) => {
    expect(canonicalJson(n)).toBe(expected);
  });

  it('escapes only what JSON requires: short forms, \\u00XX in lowercase hex, "/" and non-ASCII raw', () => {
    const s = '\b\t\n\f\r\u0000\u001f"\\/é\u2028';
    expect(canonicalJson(s)).toBe('"\\b\\t\\n\\f\\r\\u0000\\u001f\\"\\\\/é\u2028"');
  });

  it('has no whitespace and keeps array order', () => {
    expect(canonicalJson({ b: [3, 1, 2], a: { d: null, c: 'x' } })).toBe('{"a":{"c":"x","d":null},"b":[3,1,2]}');
  });

  it('drops undefined members as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a lone high surrogate', '\ud800'],
    ['a lone low surrogate in a key', { '\udc00': 1 }],
    ['a BigInt', 1n],
    ['undefined', undefined],
  ])('refuses %s with ERR_VALIDATION', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(expect.objectContaining({ code: 'ERR_VALIDATION' }));
  });

  it('refuses cycles with ERR_VALIDATION', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => canonicalJson(a)).toThrow(expect.objectContaining({ code: 'ERR_VALIDATION' }));
  });

  it('is stable under parse → canonicalise (what verification relies on)', () => {
    const once = canonicalJson({ z: [1.5, 'ü', { y: 2, x: 1e-7 }], a: '\u0001' });
    expect(canonicalJson(JSON.parse(once))).toBe(once);
  });
});
