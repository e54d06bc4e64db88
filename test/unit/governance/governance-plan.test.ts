import { describe, expect, it } from 'vitest';
import { isMaskedValue } from '#shared/governance/check-source-masking.js';
import { diffGovernance } from '#shared/governance/diff-governance.js';
import { maskedColumns, planGovernance, TOKEN_EPOCH, TOKEN_RANGE_DAYS, type GovernanceColumn } from '#shared/governance/governance-plan.js';
import { sourceMaskingKeyHex } from '#shared/governance/source-masking-key.js';
import { partialMask } from '#shared/masking/partial-mask.js';
import { classify } from '#shared/sql/classify.js';
import { expectCode } from '#test/helpers/expect-code.js';

const col = (table: string, column: string, dataType = 'TEXT', database = 'DEMO', schema = 'MAIN'): GovernanceColumn => ({ database, schema, table, column, dataType });

describe('governance plan', () => {
  it('matches like the gateway: strictest rule wins, qualified patterns only match their table, INFORMATION_SCHEMA skipped', () => {
    const rules = [
      { pattern: 'EMAIL', rule: 'pseudonym' as const },
      { pattern: 'CUSTOMERS.EMAIL', rule: 'redact' as const },
      { pattern: 'PROD.PUBLIC.ORDERS.NOTE', rule: 'partial' as const },
    ];
    const cols = [col('CUSTOMERS', 'EMAIL'), col('USERS', 'EMAIL'), col('ORDERS', 'NOTE'), col('COLUMNS', 'EMAIL', 'TEXT', 'DEMO', 'INFORMATION_SCHEMA')];
    expect(maskedColumns(rules, cols).map((c) => `${c.table}.${c.column}=${c.rule}`)).toEqual(['CUSTOMERS.EMAIL=redact', 'USERS.EMAIL=pseudonym']);
  });

  it('quotes stored names that are not plain upper-case identifiers, and every such statement still classifies', () => {
    const cols = [col('Mixed Table', 'email'), col('T', 'E"MAIL'), col("O'NEIL", 'EMAIL')];
    const plan = planGovernance({ rules: [{ pattern: '*MAIL', rule: 'redact' }], columns: cols, airlockRole: 'airlock_reader', governanceSchema: 'demo.gov', projection: true });
    const tags = plan.statements.filter((s) => s.step === 'column-tag').map((s) => s.sql);
    expect(tags).toEqual([
      `ALTER TABLE DEMO.MAIN."Mixed Table" MODIFY COLUMN "email" SET TAG DEMO.GOV.AIRLOCK_MASK = 'redact'`,
      `ALTER TABLE DEMO.MAIN.T MODIFY COLUMN "E""MAIL" SET TAG DEMO.GOV.AIRLOCK_MASK = 'redact'`,
      `ALTER TABLE DEMO.MAIN."O'NEIL" MODIFY COLUMN EMAIL SET TAG DEMO.GOV.AIRLOCK_MASK = 'redact'`,
    ]);
    expect(plan.statements.find((s) => s.step === 'masking-policy')!.sql).toContain("IS_ROLE_IN_SESSION('AIRLOCK_READER')");
    for (const s of plan.statements) expect(classify(s.sql).risk, s.sql).toBe('privileged');
  });

  it('refuses a role or schema that is not a plain identifier (no SQL through options)', async () => {
    const base = { rules: [], columns: [] };
    await expectCode(() => planGovernance({ ...base, airlockRole: "X') OR TRUE OR ('", governanceSchema: 'DEMO.GOV' }), 'ERR_VALIDATION');
    await expectCode(() => planGovernance({ ...base, airlockRole: 'X', governanceSchema: 'DEMO' }), 'ERR_VALIDATION');
    await expectCode(() => planGovernance({ ...base, airlockRole: 'X', governanceSchema: 'DEMO.GOV; DROP TABLE T' }), 'ERR_VALIDATION');
  });

  it('diff untags a column the policy no longer masks, and the UNSET statement classifies', () => {
    const plan = planGovernance({ rules: [{ pattern: 'EMAIL', rule: 'pseudonym' }], columns: [col('C', 'EMAIL'), col('C', 'PHONE')], airlockRole: 'A', governanceSchema: 'DEMO.GOV' });
    const state = {
      tags: new Map([['DEMO.MAIN.C.EMAIL', 'pseudonym'], ['DEMO.MAIN.C.PHONE', 'partial']]),
      policies: new Map([['DEMO.MAIN.C.EMAIL', new Set(['DEMO.GOV.AIRLOCK_MASK_STRING'])]]),
      tagPolicies: new Set(['DEMO.GOV.AIRLOCK_MASK_STRING']),
    };
    const diff = diffGovernance(plan, state);
    expect(diff.map((s) => s.sql)).toEqual(['ALTER TABLE DEMO.MAIN.C MODIFY COLUMN PHONE UNSET TAG DEMO.GOV.AIRLOCK_MASK']);
    expect(classify(diff[0]!.sql).risk).toBe('privileged');
  });
});

describe('pseudonym columns of non-string types keep their type at the source', () => {
  const plan = (columns: GovernanceColumn[], rule: 'pseudonym' | 'redact' = 'pseudonym') =>
    planGovernance({ rules: [{ pattern: 'C*', rule }], columns, airlockRole: 'AIRLOCK', governanceSchema: 'DB.GOV', pseudonymKeyHex: 'ab'.repeat(32) });
  const body = (p: ReturnType<typeof plan>, type: string) => p.statements.find((s) => s.sql.startsWith(`CREATE MASKING POLICY IF NOT EXISTS DB.GOV.AIRLOCK_MASK_${type} `))!.sql;
  const typed = (dataType: string, extra: Partial<GovernanceColumn> = {}): GovernanceColumn => ({ database: 'DB', schema: 'S', table: 'T', column: 'C1', dataType, ...extra });

  it('NUMBER: a keyed number cut to the narrowest pseudonym column (precision − scale), NULL when no digit is left', () => {
    expect(body(plan([typed('NUMBER', { precision: 38, scale: 0 })]), 'NUMBER')).toContain(
      "THEN TO_NUMBER(SUBSTR(DB.GOV.AIRLOCK_PSEUDONYM(TO_VARCHAR(val)), 5, 12), 'XXXXXXXXXXXX') ELSE NULL END",
    );
    const narrow = plan([typed('NUMBER', { precision: 38, scale: 0 }), typed('NUMBER', { column: 'C2', precision: 12, scale: 2 })]);
    expect(body(narrow, 'NUMBER')).toContain(`MOD(TO_NUMBER(SUBSTR(DB.GOV.AIRLOCK_PSEUDONYM(TO_VARCHAR(val)), 5, 12), 'XXXXXXXXXXXX'), ${10 ** 10})`);
    // A redact NUMBER column of any width does not narrow the pseudonym token.
    expect(body(plan([typed('NUMBER', { precision: 3, scale: 0 })], 'redact'), 'NUMBER')).toMatch(/ELSE NULL\n {2}END$/);
    // No pseudonym column: no function, and no policy names one (a body must not call what the plan does not create).
    const redactOnly = plan([typed('NUMBER', { precision: 9, scale: 0 }), typed('TEXT', { column: 'C2' })], 'redact');
    expect(redactOnly.statements.some((s) => s.step === 'pseudonym-function')).toBe(false);
    for (const s of redactOnly.statements) expect(s.sql, s.sql).not.toContain('AIRLOCK_PSEUDONYM');
    const none = plan([typed('NUMBER', { precision: 4, scale: 4 })]);
    expect(body(none, 'NUMBER')).toMatch(/ELSE NULL\n {2}END$/);
    expect(none.statements.some((s) => s.step === 'pseudonym-function')).toBe(false);
  });

  it('DATE and TIMESTAMP_*: a keyed day or instant in 2200–2299, hashed from a fixed format; FLOAT: the keyed number as a double', () => {
    // The range is 2200-01-01 … 2299-12-31, counted here from the calendar, not from the product.
    expect(TOKEN_RANGE_DAYS).toBe((Date.UTC(2300, 0, 1) - Date.UTC(2200, 0, 1)) / 86_400_000);
    expect(TOKEN_EPOCH).toBe('2200-01-01');
    const p = plan(['DATE', 'TIMESTAMP_NTZ', 'TIMESTAMP_LTZ', 'TIMESTAMP_TZ', 'FLOAT'].map((t, i) => typed(t, { column: `C${i}` })));
    expect(body(p, 'DATE')).toContain("THEN DATEADD(DAY, MOD(TO_NUMBER(SUBSTR(DB.GOV.AIRLOCK_PSEUDONYM(TO_VARCHAR(val, 'YYYY-MM-DD')), 5, 12), 'XXXXXXXXXXXX'), 36524), TO_DATE('2200-01-01'))");
    for (const [type, start] of [['TIMESTAMP_NTZ', "TO_TIMESTAMP_NTZ('2200-01-01 00:00:00')"], ['TIMESTAMP_LTZ', "TO_TIMESTAMP_LTZ('2200-01-01 00:00:00')"], ['TIMESTAMP_TZ', "TO_TIMESTAMP_TZ('2200-01-01 00:00:00 +00:00')"]]) {
      expect(body(p, type!)).toContain(`THEN DATEADD(SECOND, MOD(TO_NUMBER(SUBSTR(DB.GOV.AIRLOCK_PSEUDONYM(TO_VARCHAR(DATE_PART(EPOCH_NANOSECOND, val))), 5, 12), 'XXXXXXXXXXXX'), ${36_524 * 86_400}), ${start})`);
    }
    expect(body(p, 'FLOAT')).toContain("THEN TO_DOUBLE(TO_NUMBER(SUBSTR(DB.GOV.AIRLOCK_PSEUDONYM(TO_VARCHAR(val)), 5, 12), 'XXXXXXXXXXXX'))");
    for (const s of p.statements) {
      expect(classify(s.sql).risk, s.sql).toBe('privileged');
      if (s.secretSql !== undefined) expect(classify(s.secretSql).risk).toBe('privileged');
    }
  });

  it('TIME, BOOLEAN, BINARY, VARIANT, OBJECT, ARRAY: NULL for every rule, and no pseudonym function for them alone', () => {
    const p = plan(['TIME', 'BOOLEAN', 'BINARY', 'VARIANT', 'OBJECT', 'ARRAY'].map((t, i) => typed(t, { column: `C${i}` })));
    for (const t of ['TIME', 'BOOLEAN', 'BINARY', 'VARIANT', 'OBJECT', 'ARRAY']) expect(body(p, t)).toMatch(/ELSE NULL\n {2}END$/);
    expect(p.statements.some((s) => s.step === 'pseudonym-function')).toBe(false);
    for (const s of p.statements) expect(classify(s.sql).risk, s.sql).toBe('privileged');
  });

  it('the check takes a 2200–2299 day or instant as the token of a pseudonym DATE/TIMESTAMP, and nothing else', () => {
    expect(isMaskedValue('pseudonym', '2231-04-17', 'DATE')).toBe(true);
    expect(isMaskedValue('pseudonym', '2299-12-31T23:59:59Z', 'TIMESTAMP_NTZ')).toBe(true);
    expect(isMaskedValue('pseudonym', '2199-12-31T15:00:00Z', 'TIMESTAMP_LTZ')).toBe(true);
    for (const raw of ['1980-02-03', '2024-01-01T00:00:00Z', '2199-06-01', '2300-06-01', '']) expect(isMaskedValue('pseudonym', raw, 'DATE'), raw).toBe(false);
    // A string column with that text is not a token; a redact DATE must be NULL.
    expect(isMaskedValue('pseudonym', '2231-04-17', 'STRING')).toBe(false);
    expect(isMaskedValue('redact', '2231-04-17', 'DATE')).toBe(false);
    expect(isMaskedValue('pseudonym', 123456, 'NUMBER')).toBe(false);
  });
});

describe('masked-value patterns of the check', () => {
  it('accepts the masked forms and NULL, refuses raw values', () => {
    expect(isMaskedValue('redact', '[REDACTED]')).toBe(true);
    expect(isMaskedValue('redact', null)).toBe(true);
    expect(isMaskedValue('partial', '***-**-6789')).toBe(true);
    expect(isMaskedValue('partial', '+* (***) ***-4567')).toBe(true);
    // The gateway's own partial form passes too (same shape).
    expect(isMaskedValue('partial', partialMask('4242424242424242'))).toBe(true);
    expect(isMaskedValue('pseudonym', 'tok_0123456789abcdef')).toBe(true);
    for (const raw of ['123-45-6789', '555-1234', 'ann@example.com', 'Ann Lee', 'tok_0123', '12345', '']) {
      expect(isMaskedValue('partial', raw), raw).toBe(false);
      expect(isMaskedValue('pseudonym', raw), raw).toBe(false);
      expect(isMaskedValue('redact', raw), raw).toBe(false);
    }
    expect(isMaskedValue('redact', 1234)).toBe(false);
  });
});

describe('source masking key', () => {
  it('is derived one-way from AIRLOCK_MASKING_KEY: deterministic, 32 bytes, not the key, changes with it', () => {
    const k = Buffer.from('test-masking-key-0123456789', 'utf8');
    const a = sourceMaskingKeyHex(k);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(sourceMaskingKeyHex(k)).toBe(a);
    expect(a).not.toContain(k.toString('hex'));
    expect(sourceMaskingKeyHex(Buffer.from('test-masking-key-0123456780', 'utf8'))).not.toBe(a);
  });
});
