import { describe, expect, it } from 'vitest';
import { csvCell, csvRow } from '#shared/export/csv.js';
import { REQUESTS_CSV_HEADER, RequestRows } from '#shared/export/request-rows.js';
import type { SessionRecord } from '#shared/records/types.js';

/** A minimal RFC 4180 parser, to prove rows round-trip. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), (i += 1);
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), (i += 1);
    else cell += c;
  }
  return rows;
}

describe('csvCell', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['', ''],
    [null, ''],
    [undefined, ''],
    [42, '42'],
  ])('quotes %j as %j (RFC 4180)', (value, expected) => {
    expect(csvCell(value as string)).toBe(expected);
  });

  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\t=x', '\r=x', '=HYPERLINK("http://evil","click")', "-- a SQL comment\nSELECT 1"])(
    'neutralises formula-looking text %j with a leading apostrophe',
    (value) => {
      const [[cell]] = parseCsv(csvRow([value])) as [[string]];
      expect(cell).toBe(`'${value}`);
    },
  );

  it('leaves numbers alone, even negative ones', () => {
    expect(csvCell(-5)).toBe('-5');
  });
});

describe('RequestRows', () => {
  const rec = (seq: number, requestId: string, type: SessionRecord['type'], body: Record<string, unknown>, actor: SessionRecord['actor'] = { kind: 'agent', iss: 'https://i', sub: 'u1', email: 'u1@example.com' }) =>
    ({ sessionId: 's', seq, requestId, type, at: `2026-03-01T12:00:0${seq}.000Z`, actor, body, prevHash: '', hash: '', sig: { keyId: '', alg: 'ECDSA_SHA_256', value: '' } }) as SessionRecord;

  it('makes one row per request with the header of docs/interfaces.md, and round-trips through a CSV parser', () => {
    const rows = new RequestRows();
    rows.push(rec(1, 'r1', 'query.requested', { prompt: 'p, "1"', sql: 'UPDATE t SET a=1', risk: 'write', decision: { outcome: 'approval', approvalsRequired: 2 } }));
    rows.push(rec(2, 'r1', 'approval.requested', {}));
    rows.push(rec(3, 'r1', 'approval.granted', { votesFor: 1, approvalsRequired: 2 }, { kind: 'approver', email: 'a1@example.com' }));
    rows.push(rec(4, 'r1', 'approval.granted', { votesFor: 2, approvalsRequired: 2 }, { kind: 'approver', slackUserId: 'U2' }));
    rows.push(rec(5, 'r1', 'query.executed', { rowCount: 7, queryId: 'q-7' }));
    rows.push(rec(6, 'r2', 'query.requested', { prompt: '=2', sql: 'DELETE FROM t', risk: 'write', decision: { outcome: 'approval', approvalsRequired: 1 } }));
    rows.push(rec(7, 'r2', 'approval.requested', {}));
    rows.push(rec(8, 'r3', 'query.requested', { prompt: 'x', sql: 'SELECT 1', risk: 'read', decision: { outcome: 'allow', approvalsRequired: 0 } }));
    const table = parseCsv(csvRow([...REQUESTS_CSV_HEADER]) + rows.endSession());
    expect(table[0]).toEqual(['at', 'requestId', 'sessionId', 'iss', 'sub', 'email', 'prompt', 'sql', 'risk', 'decision', 'approvers', 'status', 'rowCount', 'queryId']);
    expect(table[1]).toEqual(['2026-03-01T12:00:01.000Z', 'r1', 's', 'https://i', 'u1', 'u1@example.com', 'p, "1"', 'UPDATE t SET a=1', 'write', 'approval', 'a1@example.com; U2', 'executed', '7', 'q-7']);
    expect(table[2]?.slice(6, 12)).toEqual(["'=2", 'DELETE FROM t', 'write', 'approval', '', 'pending_approval']);
    expect(table[3]?.[11]).toBe('outcome_unknown');
    expect(rows.endSession()).toBe('');
  });
});
