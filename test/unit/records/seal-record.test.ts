import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { checkRecordWrite } from '#shared/records/check-record-write.js';
import { canonicalJson } from '#shared/records/canonical.js';
import { recordHash } from '#shared/records/hash.js';
import { sealRecord } from '#shared/records/seal-record.js';
import { GENESIS_HASH, type SessionRecord, type UnsignedRecord } from '#shared/records/types.js';
import { newSigner, tempDir } from '#test/fixtures/records/record-fixtures.js';

const t = tempDir('airlock-seal-');
let signer: LocalKeySigner;
beforeAll(async () => {
  signer = await newSigner(t.dir, 'records.pem');
});
afterAll(() => t.cleanup());

const base = (body: Record<string, unknown>, over: Partial<UnsignedRecord> = {}): UnsignedRecord => ({
  sessionId: 's-1',
  seq: 3,
  requestId: 'r-1',
  type: 'query.executed',
  at: '2026-12-07T10:00:00.000Z',
  actor: { kind: 'system' },
  body,
  prevHash: GENESIS_HASH,
  ...over,
} as UnsignedRecord);

// Bodies whose canonical form depends on key order by UTF-16 code units, on undefined members
// (dropped in objects, null in arrays), on toJSON, on number forms and on non-ASCII text.
const BODIES: Array<[string, Record<string, unknown>]> = [
  ['plain rows', { rows: [{ ID: 1, NAME: 'tok_1' }, { ID: 2, NAME: 'tok_2' }], rowCount: 2, truncated: false }],
  ['keys out of order, upper before lower, non-ASCII and astral keys', { b: 1, a: 2, Z: 3, é: 4, '\u{1F600}': 5, '\uFFFF': 6, '': 7 }],
  ['undefined members and array holes', { kept: 1, gone: undefined, list: [1, undefined, 3], nested: { gone: undefined, kept: null } }],
  ['numbers', { big: 1e30, small: 1e-7, neg: -0, frac: 4.5, int: 9007199254740991 }],
  ['a date and text that needs escaping', { when: new Date(Date.UTC(2026, 0, 2)), text: 'quote " backslash \\ tab \t line\n é 😀 \u2028' }],
];

describe('sealRecord: one canonicalisation per record, the same bytes as canonicalising the whole', () => {
  it.each(BODIES)('%s', async (_name, body) => {
    const unsigned = base(body);
    const { record, canonical } = await sealRecord(unsigned, signer);
    // The hashed text is the canonical JSON of the record without hash and sig.
    expect(record.hash).toBe(recordHash(unsigned));
    // The stored text is the canonical JSON of the whole record, as re-read from itself.
    expect(canonical).toBe(canonicalJson(JSON.parse(canonical)));
    expect(canonical).toBe(canonicalJson({ ...(JSON.parse(canonicalJson(unsigned)) as object), hash: record.hash, sig: record.sig }));
    expect(record).toEqual(JSON.parse(canonical));
  });

  it('an undefined top-level member is dropped, as canonicalize drops it', async () => {
    const { canonical } = await sealRecord({ ...base({}), requestId: undefined } as unknown as UnsignedRecord, signer);
    expect(canonical).not.toContain('requestId');
    expect(canonical).toBe(canonicalJson(JSON.parse(canonical)));
  });

  it('content JCS cannot represent is refused before anything is signed', async () => {
    await expect(sealRecord(base({ n: Number.NaN }), signer)).rejects.toMatchObject({ code: 'ERR_VALIDATION' });
    await expect(sealRecord(base({ s: 'lone \uD800 surrogate' }), signer)).rejects.toMatchObject({ code: 'ERR_VALIDATION' });
  });

  it('the sealed record is deeply frozen: it cannot drift from its canonical bytes', async () => {
    const { record } = await sealRecord(base({ rows: [{ ID: 1 }] }), signer);
    expect(() => {
      (record.body as { rows: Array<{ ID: number }> }).rows[0]!.ID = 2;
    }).toThrow(TypeError);
    expect(Object.isFrozen(record) && Object.isFrozen(record.sig)).toBe(true);
  });
});

describe('checkRecordWrite', () => {
  it('takes a sealed pair as it is, and checks any other pair by canonicalising the record', async () => {
    const { record, canonical } = await sealRecord(base({ rows: [{ ID: 1 }] }), signer);
    expect(() => checkRecordWrite(record, canonical)).not.toThrow();
    // A copy that was not sealed here: checked the slow way, and it holds.
    const copy = JSON.parse(canonical) as SessionRecord;
    expect(() => checkRecordWrite(copy, canonical)).not.toThrow();
  });

  it('refuses a sealed record beside any other string, and a copy that disagrees with its string', async () => {
    const { record, canonical } = await sealRecord(base({ rows: [{ ID: 1 }] }), signer);
    const other = canonical.replace('"ID":1', '"ID":2');
    expect(() => checkRecordWrite(record, other)).toThrow(expect.objectContaining({ code: 'ERR_VALIDATION' }));
    const copy = JSON.parse(canonical) as SessionRecord;
    (copy.body as { rows: Array<{ ID: number }> }).rows[0]!.ID = 2;
    expect(() => checkRecordWrite(copy, canonical)).toThrow(expect.objectContaining({ code: 'ERR_VALIDATION' }));
  });
});
