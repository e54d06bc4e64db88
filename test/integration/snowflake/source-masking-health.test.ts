import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DDL } from '#local/seed/demo-schema.js';
import { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { SnowflakeWarehouse } from '#shared/adapters/snowflake/snowflake-warehouse.js';
import { applyGovernance } from '#shared/governance/apply-governance.js';
import { planGovernance } from '#shared/governance/governance-plan.js';
import { readGovernanceCatalog } from '#shared/governance/read-governance-catalog.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import { systemClock } from '#shared/ports/clock.js';
import { MemoryRecordStore } from '#test/doubles/memory-record-store.js';
import { fakeGovernance, type FakeGovernance } from '#test/helpers/fake-snowflake-governance.js';
import { startFakeSnowflake, type FakeSnowflake } from '#test/helpers/fake-snowflake-server.js';
import { removeDir, startTestRuntime, type TestRuntime } from '#test/helpers/local-runtime.js';
import { fakeSnowflakeEnv, testKeys } from './snowflake-fixture.js';

const SEED = [
  ...DEMO_DDL,
  "INSERT INTO customers VALUES (1, 'Ann Lee', 'ann@example.com', '+1 (555) 123-4567', '123-45-6789', '4242424242424242', DATE '1980-02-03', '1 Main St', 'Springfield', 'IL', '62701', 'US', 'retail', TIMESTAMP '2024-01-01 00:00:00')",
  "INSERT INTO hr.employees VALUES (1, 'Bob Ray', 'bob@corp.example', 'Engineer', 'R&D', 100000, '987-65-4321', DATE '2020-01-01', NULL)",
];
const AIRLOCK_ROLE = 'AIRLOCK_READER';
/** The demo policy masks 10 columns of the demo schema (test/integration/snowflake/snowflake-governance.test.ts lists them). */
const MASKED = 10;

let sf: FakeSnowflake;
let gov: FakeGovernance;
let t: TestRuntime;
/** Every statement the fake received, and a switch that fails the catalog query. */
const seen: string[] = [];
const control = { failCatalog: false };

beforeAll(async () => {
  gov = fakeGovernance({ database: 'DEMO' });
  sf = await startFakeSnowflake({
    publicKeyPem: testKeys().publicKeyPem,
    seed: SEED,
    intercept: async (sql, session) => {
      seen.push(sql);
      if (control.failCatalog && /information_schema\.columns/i.test(sql)) return { error: { code: '002003', message: "SQL compilation error: Object 'ann@example.com' does not exist", sqlState: '02000' } };
      return gov.intercept(sql, session);
    },
  });
  gov.attach(sf.duckdb);
  t = await startTestRuntime(fakeSnowflakeEnv(sf, { SNOWFLAKE_ROLE: AIRLOCK_ROLE, SNOWFLAKE_DATABASE: 'DEMO', SNOWFLAKE_SCHEMA: 'MAIN', AIRLOCK_MASKING_KEY: 'test-masking-key-0123456789' }));
}, 60_000);
afterAll(async () => {
  await t?.close();
  await sf?.close();
  if (t) removeDir(t.dir);
});

async function health(): Promise<{ status: number; json: any }> {
  return t.get('/v1/health');
}

describe('GET /v1/health reports masking at the source (issue 21)', () => {
  it('warns when masked columns come back unmasked for the service role, by count only, and stays 200', async () => {
    await t.rt.sourceMaskingCheckNow!();
    const h = await health();
    expect(h.status).toBe(200);
    expect(h.json.status).toBe('ok');
    expect(h.json.details.sourceMasking).toMatchObject({ state: 'not_in_place', columns: { total: MASKED, masked: 0, unmasked: MASKED, unverified: 0 } });
    expect(h.json.details.sourceMasking.checkedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(h.json.warnings).toEqual([expect.stringMatching(new RegExp(`^source masking not in place: ${MASKED} of ${MASKED} masked column\\(s\\) came back unmasked.*airlock snowflake check`))]);
    // An unauthenticated endpoint: no column name, no value.
    const text = JSON.stringify(h.json);
    for (const leak of ['CUSTOMERS', 'SSN', 'ann@example.com', '123-45-6789', 'Ann Lee']) expect(text).not.toContain(leak);
  });

  it('answers from memory: a health call never queries the warehouse', async () => {
    const before = seen.length;
    for (let i = 0; i < 20; i++) expect((await health()).status).toBe(200);
    expect(seen.length).toBe(before);
  });

  it('says in_place, without a warning, once the plan is applied; names the regression when one column loses its tag', async () => {
    const w = (role: string) =>
      new SnowflakeWarehouse(
        { account: 'testaccount', user: 'airlock_svc', auth: { kind: 'key-pair', privateKeyPem: testKeys().privateKeyPem }, role, database: 'DEMO', schema: 'MAIN', accessUrl: sf.url },
        { loginRetries: 0 },
      );
    const svc = w(AIRLOCK_ROLE);
    const admin = w('GOVERNANCE_ADMIN');
    try {
      const policy = loadPolicy();
      const plan = planGovernance({ rules: policy.masking.columns, columns: await readGovernanceCatalog(svc), airlockRole: AIRLOCK_ROLE, governanceSchema: 'DEMO.AIRLOCK_GOVERNANCE', pseudonymKeyHex: 'cd'.repeat(32) });
      const signer = await LocalKeySigner.open(join(mkdtempSync(join(tmpdir(), 'gov-health-')), 'records.pem'));
      const report = await applyGovernance({ records: new MemoryRecordStore(), signer, clock: systemClock, warehouse: admin }, { statements: plan.statements, governanceRole: 'GOVERNANCE_ADMIN', airlockRole: AIRLOCK_ROLE, secrets: ['cd'.repeat(32)] });
      expect(report.failed ?? null).toBeNull();
    } finally {
      await svc.close();
      await admin.close();
    }
    await t.rt.sourceMaskingCheckNow!();
    const ok = await health();
    expect(ok.json.details.sourceMasking).toMatchObject({ state: 'in_place', columns: { total: MASKED, masked: MASKED, unmasked: 0, unverified: 0 } });
    expect(ok.json.warnings).toBeUndefined();

    // Someone unsets the tag of one column: the next check sees it.
    gov.columnTags.get('DEMO.MAIN.CUSTOMERS.SSN')!.clear();
    await t.rt.sourceMaskingCheckNow!();
    const regressed = await health();
    expect(regressed.json.details.sourceMasking).toMatchObject({ state: 'not_in_place', columns: { total: MASKED, masked: MASKED - 1, unmasked: 1 } });
    expect(regressed.json.warnings[0]).toMatch(/^source masking not in place: 1 of 10 /);
  });

  it('a check that fails says so with a code, never the warehouse message', async () => {
    control.failCatalog = true;
    try {
      await t.rt.sourceMaskingCheckNow!();
    } finally {
      control.failCatalog = false;
    }
    const h = await health();
    expect(h.status).toBe(200);
    expect(h.json.details.sourceMasking).toMatchObject({ state: 'check_failed', error: expect.stringMatching(/^[A-Za-z0-9_]+$/) });
    expect(h.json.warnings[0]).toMatch(/^source masking not verified: the check failed/);
    expect(JSON.stringify(h.json)).not.toContain('ann@example.com');
  });
});
