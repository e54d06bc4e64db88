import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '#cli/commands/snowflake.js';
import { DEMO_DDL } from '#local/seed/demo-schema.js';
import { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { SnowflakeWarehouse } from '#shared/adapters/snowflake/snowflake-warehouse.js';
import { applyGovernance, GOVERNANCE_SESSION } from '#shared/governance/apply-governance.js';
import { checkSourceMasking } from '#shared/governance/check-source-masking.js';
import { diffGovernance, readGovernanceState } from '#shared/governance/diff-governance.js';
import { planGovernance } from '#shared/governance/governance-plan.js';
import { readGovernanceCatalog } from '#shared/governance/read-governance-catalog.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import { systemClock } from '#shared/ports/clock.js';
import { classify } from '#shared/sql/classify.js';
import { MemoryRecordStore } from '#test/doubles/memory-record-store.js';
import { fakeGovernance, type FakeGovernance } from '#test/helpers/fake-snowflake-governance.js';
import { startFakeSnowflake, type FakeSnowflake } from '#test/helpers/fake-snowflake-server.js';
import { fakeSnowflakeEnv, testKeys } from './snowflake-fixture.js';
import { runCli } from '#test/helpers/run-cli.js';

const SEED = [
  ...DEMO_DDL,
  "INSERT INTO customers VALUES (1, 'Ann Lee', 'ann@example.com', '+1 (555) 123-4567', '123-45-6789', '4242424242424242', DATE '1980-02-03', '1 Main St', 'Springfield', 'IL', '62701', 'US', 'retail', TIMESTAMP '2024-01-01 00:00:00')",
  "INSERT INTO hr.employees VALUES (1, 'Bob Ray', 'bob@corp.example', 'Engineer', 'R&D', 100000, '987-65-4321', DATE '2020-01-01', NULL)",
];
const AIRLOCK_ROLE = 'AIRLOCK_READER';
const GOV_ROLE = 'GOVERNANCE_ADMIN';
const policy = loadPolicy(join(process.cwd(), 'policy', 'default.yaml'));

/** What the demo policy must mask in the demo schema: the gateway's own rules, written out by hand. */
const EXPECTED: Record<string, string> = {
  'DEMO.MAIN.CUSTOMERS.NAME': 'pseudonym',
  'DEMO.MAIN.CUSTOMERS.EMAIL': 'pseudonym',
  'DEMO.MAIN.CUSTOMERS.PHONE': 'partial',
  'DEMO.MAIN.CUSTOMERS.SSN': 'redact',
  'DEMO.MAIN.CUSTOMERS.CARD_NUMBER': 'partial',
  'DEMO.MAIN.CUSTOMERS.BIRTH_DATE': 'redact',
  'DEMO.MAIN.CUSTOMERS.ADDRESS': 'redact',
  'DEMO.HR.EMPLOYEES.NAME': 'pseudonym',
  'DEMO.HR.EMPLOYEES.EMAIL': 'pseudonym',
  'DEMO.HR.EMPLOYEES.SSN': 'redact',
};

let sf: FakeSnowflake;
let gov: FakeGovernance;
let env: NodeJS.ProcessEnv;

function warehouse(role: string): SnowflakeWarehouse {
  return new SnowflakeWarehouse(
    { account: 'testaccount', user: 'airlock_svc', auth: { kind: 'key-pair', privateKeyPem: testKeys().privateKeyPem }, role, database: 'DEMO', schema: 'MAIN', accessUrl: sf.url },
    { loginRetries: 0 },
  );
}

function cli(argv: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  return runCli(argv, { command: run, env: { ...env, ...extraEnv } });
}

const statementsOf = (out: string) => out.split(';\n\n').map((s) => s.trim()).filter((s) => s !== '' && !s.startsWith('--'));

beforeAll(async () => {
  gov = fakeGovernance({ database: 'DEMO' });
  sf = await startFakeSnowflake({ publicKeyPem: testKeys().publicKeyPem, seed: SEED, intercept: gov.intercept });
  gov.attach(sf.duckdb);
  env = fakeSnowflakeEnv(sf, { SNOWFLAKE_ROLE: AIRLOCK_ROLE, SNOWFLAKE_DATABASE: 'DEMO', SNOWFLAKE_SCHEMA: 'MAIN', AIRLOCK_MASKING_KEY: 'test-masking-key-0123456789' });
}, 60_000);
afterAll(async () => {
  await sf?.close();
});

describe('airlock snowflake (issue 21) against the wire test server', () => {
  it('plan: the demo policy → a tag, one policy per data type for the Airlock role, a tag on exactly the gateway-masked columns', async () => {
    const r = await cli(['plan', '--policy', 'policy/default.yaml', '--projection']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const stmts = statementsOf(r.out);
    expect(stmts).toContain("CREATE TAG IF NOT EXISTS DEMO.AIRLOCK_GOVERNANCE.AIRLOCK_MASK ALLOWED_VALUES 'redact', 'partial', 'pseudonym' COMMENT = 'Airlock masking rule of the column (policy masking.columns)'");
    // Demo types in use: TEXT (STRING) and DATE (birth_date).
    for (const type of ['STRING', 'DATE']) {
      const create = stmts.find((s) => s.startsWith(`CREATE MASKING POLICY IF NOT EXISTS DEMO.AIRLOCK_GOVERNANCE.AIRLOCK_MASK_${type} AS (val ${type}) RETURNS ${type}`));
      expect(create, type).toBeDefined();
      expect(create).toContain(`WHEN NOT IS_ROLE_IN_SESSION('${AIRLOCK_ROLE}') THEN val`);
      expect(stmts).toContain(`ALTER TAG DEMO.AIRLOCK_GOVERNANCE.AIRLOCK_MASK SET MASKING POLICY DEMO.AIRLOCK_GOVERNANCE.AIRLOCK_MASK_${type} FORCE`);
    }
    expect(stmts.filter((s) => s.startsWith('CREATE MASKING POLICY'))).toHaveLength(2);
    const tagged = Object.fromEntries(
      stmts.flatMap((s) => {
        const m = /^ALTER TABLE (\S+) MODIFY COLUMN (\w+) SET TAG DEMO\.AIRLOCK_GOVERNANCE\.AIRLOCK_MASK = '(\w+)'$/.exec(s);
        return m ? [[`${m[1]}.${m[2]}`, m[3]]] : [];
      }),
    );
    expect(tagged).toEqual(EXPECTED);
    const projected = stmts.filter((s) => s.includes('SET PROJECTION POLICY')).map((s) => /^ALTER TABLE (\S+) MODIFY COLUMN (\w+)/.exec(s)!.slice(1).join('.'));
    expect(projected.sort()).toEqual(Object.entries(EXPECTED).filter(([, v]) => v === 'redact').map(([k]) => k).sort());
    // The pseudonym key never appears in plan output: only the placeholder.
    expect(r.out).toContain('<AIRLOCK_SOURCE_MASKING_KEY>');
    // Every statement classifies through Airlock's own classifier, never as invalid.
    for (const s of stmts) expect(classify(s).risk, s).not.toBe('invalid');
  });

  it('every data type gets a policy whose signature and return type match, each classifying', () => {
    const types = ['TEXT', 'NUMBER', 'FLOAT', 'BOOLEAN', 'DATE', 'TIME', 'TIMESTAMP_NTZ', 'TIMESTAMP_LTZ', 'TIMESTAMP_TZ', 'BINARY', 'VARIANT', 'OBJECT', 'ARRAY', 'GEOGRAPHY'];
    const columns = types.map((t, i) => ({ database: 'DB', schema: 'S', table: 'T', column: `C${i}`, dataType: t }));
    const plan = planGovernance({ rules: [{ pattern: 'C*', rule: 'pseudonym' }], columns, airlockRole: 'AIRLOCK', governanceSchema: 'DB.GOV', pseudonymKeyHex: 'ab'.repeat(32) });
    expect(plan.unsupported.map((c) => c.dataType)).toEqual(['GEOGRAPHY']);
    const created = plan.statements.filter((s) => s.sql.startsWith('CREATE MASKING POLICY'));
    expect(created.map((s) => s.policyType).sort()).toEqual(['ARRAY', 'BINARY', 'BOOLEAN', 'DATE', 'FLOAT', 'NUMBER', 'OBJECT', 'STRING', 'TIME', 'TIMESTAMP_LTZ', 'TIMESTAMP_NTZ', 'TIMESTAMP_TZ', 'VARIANT']);
    for (const s of created) expect(s.sql).toContain(`AS (val ${s.policyType}) RETURNS ${s.policyType} ->`);
    for (const s of plan.statements) {
      expect(classify(s.sql).risk, s.sql).not.toBe('invalid');
      if (s.secretSql !== undefined) expect(classify(s.secretSql).risk).not.toBe('invalid');
    }
    expect(plan.statements.find((s) => s.step === 'pseudonym-function')!.sql).not.toContain('ab'.repeat(32));
  });

  it('check before apply names every unmasked column; apply stops at an injected failure with a truthful report; --diff shows only the rest; after apply check passes', async () => {
    const before = await cli(['check', '--policy', 'policy/default.yaml']);
    expect(before.code).toBe(1);
    for (const c of Object.keys(EXPECTED)) expect(before.out).toMatch(new RegExp(`^unmasked ${c.replace(/\./g, '\\.')} `, 'm'));
    // No raw value leaves the check.
    expect(before.out).not.toContain('123-45-6789');
    expect(before.out).not.toContain('ann@example.com');

    const svc = warehouse(AIRLOCK_ROLE);
    const admin = warehouse(GOV_ROLE);
    try {
      const plan = planGovernance({ rules: policy.masking.columns, columns: await readGovernanceCatalog(svc), airlockRole: AIRLOCK_ROLE, governanceSchema: 'DEMO.AIRLOCK_GOVERNANCE', pseudonymKeyHex: 'cd'.repeat(32) });
      const records = new MemoryRecordStore();
      const signer = await LocalKeySigner.open(join(mkdtempSync(join(tmpdir(), 'gov-')), 'records.pem'));
      const deps = { records, signer, clock: systemClock, warehouse: admin };
      const firstPhone = plan.statements.findIndex((s) => s.sql.includes('MODIFY COLUMN PHONE SET TAG'));
      gov.failOn('MODIFY COLUMN PHONE SET TAG');
      const ddlBefore = gov.ddl.length;
      const report = await applyGovernance(deps, { statements: plan.statements, governanceRole: GOV_ROLE, airlockRole: AIRLOCK_ROLE, secrets: ['cd'.repeat(32)] });
      expect(report.failed?.error.message, JSON.stringify(report.failed)).toContain("Insufficient privileges");
      expect(report.applied).toHaveLength(firstPhone);
      expect(report.failed?.index).toBe(firstPhone + 1);
      expect(report.failed?.error.message).toContain('Insufficient privileges');
      expect(report.notRun.map((n) => n.index)).toEqual(plan.statements.slice(firstPhone + 1).map((_, j) => firstPhone + 2 + j));
      // The server saw exactly the applied statements and the failed one, all as the governance role.
      const seen = gov.ddl.slice(ddlBefore);
      expect(seen).toHaveLength(firstPhone + 1);
      expect(new Set(seen.map((d) => d.role))).toEqual(new Set([GOV_ROLE]));
      expect(seen.some((d) => d.sql.includes('cd'.repeat(32)))).toBe(true); // the real key reached Snowflake …
      // … and the chain: requested + executed per applied statement, requested + failed for the failing one, no key.
      const chain = (await records.list(GOVERNANCE_SESSION)).map((c) => JSON.parse(c) as { type: string; body: Record<string, unknown> });
      expect(chain.map((r) => r.type)).toEqual([...Array.from({ length: firstPhone }, () => ['query.requested', 'query.executed']).flat(), 'query.requested', 'query.failed']);
      expect(JSON.stringify(chain)).not.toContain('cd'.repeat(32));

      // --diff after the partial apply: exactly the not-applied column tags remain (the definitions are in place).
      const state = await readGovernanceState(admin, plan, 'DEMO.AIRLOCK_GOVERNANCE');
      const diff = diffGovernance(plan, state);
      expect(diff.map((s) => s.sql)).toEqual(plan.statements.slice(firstPhone).map((s) => s.sql));
      const cliDiff = await cli(['plan', '--policy', 'policy/default.yaml', '--diff', '--governance-role', GOV_ROLE]);
      expect(statementsOf(cliDiff.out)).toEqual(diff.map((s) => s.sql));

      // Partly applied: the check names the columns still unmasked, and only them.
      const partial = await checkSourceMasking(svc, plan.masked);
      const unmasked = partial.filter((f) => f.status !== 'masked').map((f) => f.column);
      expect(unmasked.sort()).toEqual(plan.statements.slice(firstPhone).map((s) => s.column).sort());

      const rest = await applyGovernance(deps, { statements: diff, governanceRole: GOV_ROLE, airlockRole: AIRLOCK_ROLE });
      expect(rest.failed).toBeNull();
      expect((await cli(['plan', '--policy', 'policy/default.yaml', '--diff', '--governance-role', GOV_ROLE])).out.trim()).toBe('');
      const after = await cli(['check', '--policy', 'policy/default.yaml']);
      expect(after.out).toContain(`source masking in place for ${Object.keys(EXPECTED).length} column(s)`);
      expect(after.code).toBe(0);
      // Other roles still see raw data: the governance role reads the raw SSN.
      const raw = await admin.execute({ sql: 'SELECT SSN FROM DEMO.MAIN.CUSTOMERS LIMIT 1', queryTag: '{}', maxRows: 1, timeoutMs: 10_000 });
      expect(raw.rows[0]?.[0]).toBe('123-45-6789');
    } finally {
      await svc.close();
      await admin.close();
    }
  }, 60_000);

  it('apply refuses the service role as governance role, and is a dry run under CI=true', async () => {
    const same = await cli(['apply', '--governance-role', AIRLOCK_ROLE.toLowerCase()]).catch((e: Error) => e);
    expect(same).toBeInstanceOf(Error);
    expect((same as Error).message).toContain("must not be the service user's own role");
    const n = gov.ddl.length;
    const dry = await cli(['apply', '--governance-role', GOV_ROLE, '--policy', 'policy/default.yaml'], { CI: 'true' });
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('dry run (CI=true');
    expect(gov.ddl.length).toBe(n);
    expect(dry.out).not.toContain('<AIRLOCK_SOURCE_MASKING_KEY>'.replace('<', 'x')); // sanity: output is the printable plan
  });
});
