import { describe, expect, it } from 'vitest';
import { loadPolicy } from '#shared/policy/load-policy.js';
import { maskingConfigOf } from '#shared/policy/masking-config.js';
import { classify } from '#shared/sql/classify.js';
import { analyzeInference } from '#shared/use-cases/references-sensitive-column.js';

const rules = maskingConfigOf(loadPolicy(), Buffer.from('k'.repeat(32))).columns;
const analyze = (sql: string) => analyzeInference(sql, classify(sql), rules, undefined);
const uses = async (sql: string) => (await analyze(sql)).inference.map((u) => `${u.column} ${u.clause} line ${u.at.line}`);

describe('analyzeInference over every statement of a text', () => {
  it('sees a sensitive column that is the last token of its statement', async () => {
    expect(await uses('SELECT id FROM customers ORDER BY ssn')).toEqual(['SSN ORDER BY line 1']);
  });

  it('sees each statement with its own tokens only: the first, the last and one in between', async () => {
    const sql = ['SELECT id FROM customers ORDER BY ssn;', 'SELECT 1 AS one;', 'SELECT id FROM customers WHERE email > \'a\' ORDER BY phone'].join('\n');
    expect(await uses(sql)).toEqual(['SSN ORDER BY line 1', 'EMAIL WHERE line 3', 'PHONE ORDER BY line 3']);
  });

  it('a text of many short statements is analysed statement by statement, each finding once', async () => {
    const sql = Array.from({ length: 2000 }, (_, i) => (i === 1999 ? 'SELECT id FROM customers ORDER BY ssn' : 'SELECT 1 AS one')).join(';\n');
    expect(await uses(sql)).toEqual(['SSN ORDER BY line 2000']);
  });
});

describe('analyzeInference asked twice for one request', () => {
  it('answers the same classification, rules and catalog once; anything different is analysed again', async () => {
    const sql = 'SELECT id FROM customers ORDER BY ssn';
    const classification = classify(sql);
    const first = analyzeInference(sql, classification, rules, undefined);
    expect(analyzeInference(sql, classification, rules, undefined)).toBe(first);
    // Other rules, another catalog, another text or a fresh classification of the same text: a new analysis.
    const noRules = analyzeInference(sql, classification, [], undefined);
    expect(noRules).not.toBe(first);
    expect((await noRules).inference).toEqual([]);
    expect((await analyzeInference(sql, classification, rules, undefined)).inference).toHaveLength(1);
    expect(analyzeInference(sql, classify(sql), rules, undefined)).not.toBe(analyzeInference(sql, classification, rules, undefined));
    const catalog = { sensitiveColumns: async () => new Map() } as unknown as Parameters<typeof analyzeInference>[3];
    expect(analyzeInference(sql, classification, rules, catalog)).not.toBe(analyzeInference(sql, classification, rules, undefined));
  });
});
