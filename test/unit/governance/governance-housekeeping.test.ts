import { describe, expect, it } from 'vitest';
import { ident } from '#shared/governance/governance-plan.js';
import { GOVERNANCE_CATALOG_SQL } from '#shared/governance/read-governance-catalog.js';
import { housekeepingOf, housekeepingTag } from '#shared/reconcile/housekeeping.js';

const probe = (db: string, schema: string, table: string, column: string) => `SELECT ${ident(column)} FROM ${ident(db)}.${ident(schema)}.${ident(table)} LIMIT 1`;
const check = JSON.parse(housekeepingTag('source_masking_check')) as unknown;
const catalog = JSON.parse(housekeepingTag('governance_catalog')) as unknown;

describe('the source-masking check is housekeeping for reconcile only on its exact text', () => {
  it('accepts the probes and the catalog query Airlock sends, quoted names included', () => {
    expect(housekeepingOf(check, probe('DEMO', 'MAIN', 'CUSTOMERS', 'SSN'))).toEqual({ kind: 'source_masking_check', genuine: true });
    expect(housekeepingOf(check, probe('DEMO', 'MAIN', 'Mixed Table', 'e"mail'))).toEqual({ kind: 'source_masking_check', genuine: true });
    expect(housekeepingOf(catalog, GOVERNANCE_CATALOG_SQL)).toEqual({ kind: 'governance_catalog', genuine: true });
  });

  it('refuses the tag on anything else: more rows, more columns, a star, a WHERE, a second statement, another tag kind', () => {
    for (const sql of [
      'SELECT SSN FROM DEMO.MAIN.CUSTOMERS LIMIT 10',
      'SELECT SSN, NAME FROM DEMO.MAIN.CUSTOMERS LIMIT 1',
      'SELECT * FROM DEMO.MAIN.CUSTOMERS LIMIT 1',
      "SELECT SSN FROM DEMO.MAIN.CUSTOMERS WHERE NAME = 'x' LIMIT 1",
      'SELECT SSN FROM DEMO.MAIN.CUSTOMERS LIMIT 1; SELECT 1',
      'SELECT SSN FROM CUSTOMERS LIMIT 1',
      'select ssn from demo.main.customers limit 1',
      'SELECT "a" FROM DEMO.MAIN.T UNION SELECT "b" FROM DEMO.MAIN.T LIMIT 1',
      `${GOVERNANCE_CATALOG_SQL} LIMIT 1`,
    ]) {
      expect(housekeepingOf(check, sql)?.genuine, sql).toBe(false);
    }
    expect(housekeepingOf(catalog, probe('DEMO', 'MAIN', 'CUSTOMERS', 'SSN'))?.genuine).toBe(false);
  });
});
