import { describe, expect, it } from 'vitest';
import { isMaskedValue } from '#shared/governance/check-source-masking.js';
import { diffGovernance } from '#shared/governance/diff-governance.js';
import { maskedColumns, planGovernance, type GovernanceColumn } from '#shared/governance/governance-plan.js';
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
