import { describe, expect, it } from 'vitest';
import { renderAnswer, renderRequest } from '#cli/mcp/render-outcome.js';
import { renderTable } from '#cli/mcp/render-table.js';
import { describeTableSql, listTablesSql } from '#cli/mcp/schema-sql.js';
import { cachedTokenSource } from '#cli/mcp/token-source.js';
import type { ExecutedAnswer } from '#cli/mcp/gateway-client.js';
import { classify } from '#shared/sql/classify.js';

const cols = (...names: string[]) => names.map((name) => ({ name, type: 'VARCHAR' }));

function executed(over: Partial<ExecutedAnswer> = {}): ExecutedAnswer {
  return {
    requestId: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
    sessionId: 's-1',
    status: 'executed',
    risk: 'read',
    columns: cols('id', 'email'),
    rows: [
      { id: 1, email: 'tok_ab12' },
      { id: 2, email: 'tok_cd34' },
    ],
    rowCount: 2,
    truncated: false,
    masked: [{ column: 'email', rule: 'pseudonym', cells: 2 }],
    record: { seq: 2, hash: 'h' },
    ...over,
  };
}

describe('renderTable', () => {
  it('escapes pipes, backslashes and line breaks so a cell cannot break the table, and prints NULL', () => {
    const { text } = renderTable(cols('a', 'b'), [{ a: 'x | y\nz', b: null }, { a: 'c:\\temp', b: { k: 1 } }]);
    expect(text.split('\n')).toEqual(['| a | b |', '|---|---|', '| x \\| y\\nz | NULL |', '| c:\\\\temp | {"k":1} |']);
  });

  it('reads duplicate and integer-like column names through the gateway key scheme, in column order', () => {
    const { text } = renderTable(cols('b', '1', 'ID', 'ID'), [{ b: 'B', '1': 'one', ID: 'first', ID_2: 'second' }]);
    expect(text.split('\n')[0]).toBe('| b | 1 | ID | ID |');
    expect(text.split('\n')[2]).toBe('| B | one | first | second |');
  });

  it('cuts long cells, stops at the row limit and at the character budget, and counts what it cut', () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ v: `${i}`.padEnd(50, 'x') }));
    const byRows = renderTable(cols('v'), rows, { maxRows: 3, maxCellChars: 10, maxChars: 10_000 });
    expect(byRows.rowsShown).toBe(3);
    expect(byRows.cellsCut).toBe(3);
    expect(byRows.text.split('\n')[2]).toBe('| 0xxxxxxxx… |');
    const byChars = renderTable(cols('v'), rows, { maxRows: 100, maxCellChars: 100, maxChars: 200 });
    expect(byChars.rowsShown).toBe(3);
    expect(byChars.text.length).toBeLessThanOrEqual(200);
  });
});

describe('renderAnswer / renderRequest', () => {
  it('states the masking, the row count and that nothing was truncated', () => {
    const text = renderAnswer(executed()).content[0]!.text;
    expect(text).toContain('2 rows.');
    expect(text).toContain('Masking: email → pseudonym (2 cells).');
    expect(text).toContain('Truncated: no');
  });

  it('states gateway truncation, local display cuts and the absence of masking', () => {
    const rows = Array.from({ length: 150 }, (_, i) => ({ id: i, email: 'x' }));
    const text = renderAnswer(executed({ rows, rowCount: 150, truncated: true, masked: [] })).content[0]!.text;
    expect(text).toMatch(/Showing the first 100 of the 150 rows returned/);
    expect(text).toContain('Masking: no value in this result was masked.');
    expect(text).toMatch(/Truncated: yes — the gateway returned only the first 150 rows/);
  });

  it('marks a rejected request as final but not as a tool error, and outcome_unknown as an error with advice', () => {
    const base = { requestId: '01ARZ3NDEKTSV4RRFFQ69G5FAV', sessionId: 's', risk: 'write', approvalsRequired: 1, expiresAt: null };
    const rejected = renderRequest({ ...base, status: 'rejected', votes: [{ slackUserId: 'U1', email: 'a@example.com', vote: 'deny', at: 't' }] });
    expect(rejected.isError).toBeUndefined();
    expect(rejected.content[0]!.text).toMatch(/^Rejected by a@example.com — it will never run/);
    const unknown = renderRequest({ ...base, status: 'outcome_unknown', votes: [] });
    expect(unknown.isError).toBe(true);
    expect(unknown.content[0]!.text).toMatch(/^ERR_OUTCOME_UNKNOWN: .*\nWhat to do: Do not rerun a write blindly/);
  });
});

describe('schema discovery SQL', () => {
  it('is a plain read for the classifier, with and without filters', () => {
    for (const sql of [listTablesSql(), listTablesSql('main'), describeTableSql('customers'), describeTableSql('demo.main.customers')]) {
      expect(classify(sql).risk, sql).toBe('read');
    }
    expect(describeTableSql('demo.main.customers')).toContain("UPPER(table_catalog) = UPPER('demo')");
  });

  it.each(["x'; DROP TABLE t; --", 'a b', 'a.b.c.d', '', '"quoted"', '1abc'])('refuses the name %j before it reaches SQL', (name) => {
    expect(() => describeTableSql(name)).toThrow(expect.objectContaining({ code: 'ERR_VALIDATION' }));
  });
});

describe('cachedTokenSource', () => {
  it('fetches once, and concurrent refreshes after a 401 share one new fetch', async () => {
    let n = 0;
    const source = cachedTokenSource('test', async () => `t${++n}`);
    expect(await Promise.all([source.current(), source.current()])).toEqual(['t1', 't1']);
    expect(await Promise.all([source.refresh(), source.refresh()])).toEqual(['t2', 't2']);
    expect(await source.current()).toBe('t2');
    expect(n).toBe(2);
  });

  it('does not cache a failure: the next call tries again', async () => {
    let n = 0;
    const source = cachedTokenSource('test', async () => {
      if (++n === 1) throw new Error('idp down');
      return 'ok';
    });
    await expect(source.current()).rejects.toThrow('idp down');
    expect(await source.current()).toBe('ok');
  });
});
