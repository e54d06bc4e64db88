/**
 * `airlock snowflake plan|apply|check`: Airlock's `masking.columns` compiled into Snowflake's own governance
 * (a tag, tag-based masking policies for Airlock's role, column tags, optional projection policies);
 * docs/snowflake-governance.md. Options parsed strictly by parseCommandArgs (cli/io.ts).
 *
 *   plan  [--policy FILE] [--role AIRLOCK_ROLE] [--schema DB.SCHEMA] [--projection] [--diff --governance-role ROLE]
 *   apply --governance-role ROLE [--policy FILE] [--role …] [--schema …] [--projection] [--diff] [--dry-run | --execute]
 *   check [--policy FILE]
 *
 * Connections come from SNOWFLAKE_* (as the gateway's); `apply` and `--diff` log in with the same user but the
 * governance role; `check` uses the service user's own role. `--dry-run` is the default when CI=true (`--execute` overrides).
 */
import { join, resolve } from 'node:path';
import { snowflakeConfigOf, type SnowflakeConfig } from '#shared/adapters/snowflake/snowflake-config.js';
import { SnowflakeWarehouse } from '#shared/adapters/snowflake/snowflake-warehouse.js';
import { isAirlockError } from '#shared/errors.js';
import { applyGovernance, GOVERNANCE_SESSION } from '#shared/governance/apply-governance.js';
import { checkSourceMasking } from '#shared/governance/check-source-masking.js';
import { diffGovernance, readGovernanceState } from '#shared/governance/diff-governance.js';
import { planGovernance, type GovernancePlan, type GovernanceStatement } from '#shared/governance/governance-plan.js';
import { readGovernanceCatalog } from '#shared/governance/read-governance-catalog.js';
import { sourceMaskingKeyHex } from '#shared/governance/source-masking-key.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import type { Policy } from '#shared/policy/policy.js';
import { systemClock } from '#shared/ports/clock.js';
import type { Warehouse } from '#shared/ports/warehouse.js';
import { parseCommandArgs, UsageError, type CliIo, type Command } from '../io.js';

const USAGE = `usage: airlock snowflake plan  [--policy FILE] [--role AIRLOCK_ROLE] [--schema DB.SCHEMA] [--projection] [--diff --governance-role ROLE]
       airlock snowflake apply --governance-role ROLE [--policy FILE] [--role AIRLOCK_ROLE] [--schema DB.SCHEMA] [--projection] [--diff] [--dry-run | --execute]
       airlock snowflake check [--policy FILE]`;

interface Options {
  policy?: string;
  role?: string;
  schema?: string;
  governanceRole?: string;
  projection: boolean;
  diff: boolean;
  dryRun: boolean;
  execute: boolean;
}

function parse(argv: string[]): { sub: string; o: Options } {
  const { values, positionals } = parseCommandArgs(
    {
      args: argv,
      options: {
        policy: { type: 'string' },
        role: { type: 'string' },
        schema: { type: 'string' },
        'governance-role': { type: 'string' },
        projection: { type: 'boolean' },
        diff: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        execute: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    },
    USAGE,
  );
  const [sub, ...extra] = positionals;
  if (sub === undefined || !['plan', 'apply', 'check'].includes(sub) || extra.length > 0) throw new UsageError(`${sub === undefined ? 'missing subcommand' : `unknown subcommand '${[sub, ...extra].join(' ')}'`}\n${USAGE}`);
  if (values['dry-run'] === true && values.execute === true) throw new UsageError(`--dry-run and --execute exclude each other\n${USAGE}`);
  const o: Options = { projection: values.projection === true, diff: values.diff === true, dryRun: values['dry-run'] === true, execute: values.execute === true };
  if (values.policy !== undefined) o.policy = values.policy;
  if (values.role !== undefined) o.role = values.role;
  if (values.schema !== undefined) o.schema = values.schema;
  if (values['governance-role'] !== undefined) o.governanceRole = values['governance-role'];
  return { sub, o };
}

function settingsOf(env: NodeJS.ProcessEnv): SnowflakeConfig {
  const pick = (k: string) => (env[k] === undefined || env[k] === '' ? undefined : env[k]);
  const config = snowflakeConfigOf({
    SNOWFLAKE_ACCOUNT: pick('SNOWFLAKE_ACCOUNT'),
    SNOWFLAKE_USER: pick('SNOWFLAKE_USER'),
    SNOWFLAKE_PRIVATE_KEY: pick('SNOWFLAKE_PRIVATE_KEY'),
    SNOWFLAKE_PRIVATE_KEY_PATH: pick('SNOWFLAKE_PRIVATE_KEY_PATH'),
    SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: pick('SNOWFLAKE_PRIVATE_KEY_PASSPHRASE'),
    SNOWFLAKE_PASSWORD: pick('SNOWFLAKE_PASSWORD'),
    SNOWFLAKE_ROLE: pick('SNOWFLAKE_ROLE'),
    SNOWFLAKE_WAREHOUSE: pick('SNOWFLAKE_WAREHOUSE'),
    SNOWFLAKE_DATABASE: pick('SNOWFLAKE_DATABASE'),
    SNOWFLAKE_SCHEMA: pick('SNOWFLAKE_SCHEMA'),
    SNOWFLAKE_ACCESS_URL: pick('SNOWFLAKE_ACCESS_URL'),
  });
  if (config === null) throw new UsageError(`SNOWFLAKE_ACCOUNT and SNOWFLAKE_USER must be set (the gateway's Snowflake connection)\n${USAGE}`);
  return config;
}

async function withWarehouse<T>(config: SnowflakeConfig, role: string | undefined, fn: (w: Warehouse) => Promise<T>): Promise<T> {
  const c: SnowflakeConfig = { ...config };
  if (role !== undefined) c.role = role;
  const w = new SnowflakeWarehouse(c, { loginRetries: 0 });
  try {
    return await fn(w);
  } finally {
    await w.close();
  }
}

function printStatements(io: CliIo, statements: readonly GovernanceStatement[]): void {
  for (const s of statements) io.stdout.write(`${s.sql};\n\n`);
}

function warnUnsupported(io: CliIo, plan: GovernancePlan): void {
  for (const c of plan.unsupported) {
    io.stderr.write(`warning: ${c.database}.${c.schema}.${c.table}.${c.column} (${c.dataType}, ${c.rule}): no source policy for this type; masked only by the gateway\n`);
  }
}

export const run: Command = async (argv, io) => {
  const { sub, o } = parse(argv);
  let policy: Policy;
  try {
    const file = o.policy ?? io.env.AIRLOCK_POLICY;
    policy = loadPolicy(file === undefined || file === '' ? undefined : resolve(io.cwd, file));
  } catch (e) {
    if (isAirlockError(e) && e.code === 'ERR_POLICY_INVALID') {
      io.stderr.write(`airlock snowflake: invalid policy\n${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const config = settingsOf(io.env);
  const airlockRole = o.role ?? config.role;
  if (airlockRole === undefined) throw new UsageError(`--role (or SNOWFLAKE_ROLE) names the role Airlock's service user runs as\n${USAGE}`);
  const database = config.database ?? policy.warehouse.database;
  const schema = o.schema ?? (database === undefined ? undefined : `${database}.AIRLOCK_GOVERNANCE`);
  if (schema === undefined) throw new UsageError(`--schema DB.SCHEMA (or SNOWFLAKE_DATABASE) says where the governance objects live\n${USAGE}`);
  if (o.governanceRole !== undefined && o.governanceRole.toUpperCase() === airlockRole.toUpperCase()) {
    throw new UsageError("--governance-role must not be the service user's own role: it would let Airlock change its own masking");
  }
  try {
    planGovernance({ rules: [], columns: [], airlockRole, governanceSchema: schema }); // names checked before any login
  } catch (e) {
    if (isAirlockError(e) && e.code === 'ERR_VALIDATION') throw new UsageError(`${e.message}\n${USAGE}`);
    throw e;
  }
  const maskingKey = io.env.AIRLOCK_MASKING_KEY;

  try {
    // The catalog through the service user's own connection: the columns the gateway itself sees.
    const columns = await withWarehouse(config, airlockRole, (w) => readGovernanceCatalog(w));
    const plan = (withKey: boolean) => {
      try {
        return planGovernance({
          rules: policy.masking.columns,
          columns,
          airlockRole,
          governanceSchema: schema,
          projection: o.projection,
          ...(withKey && maskingKey !== undefined ? { pseudonymKeyHex: sourceMaskingKeyHex(Buffer.from(maskingKey, 'utf8')) } : {}),
        });
      } catch (e) {
        if (isAirlockError(e) && e.code === 'ERR_VALIDATION') throw new UsageError(e.message);
        throw e;
      }
    };

    if (sub === 'check') {
      const p = plan(false);
      const findings = await withWarehouse(config, airlockRole, (w) => checkSourceMasking(w, p.masked));
      let bad = 0;
      for (const f of findings) {
        if (f.status !== 'masked') bad++;
        io.stdout.write(`${f.status.padEnd(8)} ${f.column} (${f.rule}): ${f.detail}\n`);
      }
      warnUnsupported(io, p);
      io.stdout.write(bad === 0 ? `source masking in place for ${findings.length} column(s)\n` : `source masking NOT in place: ${bad} of ${findings.length} column(s)\n`);
      return bad === 0 ? 0 : 1;
    }

    if (sub === 'plan') {
      const p = plan(false);
      warnUnsupported(io, p);
      if (!o.diff) {
        printStatements(io, p.statements);
        return 0;
      }
      if (o.governanceRole === undefined) throw new UsageError(`--diff reads POLICY_REFERENCES / TAG_REFERENCES as --governance-role\n${USAGE}`);
      const state = await withWarehouse(config, o.governanceRole, (w) => readGovernanceState(w, p, p.names.schema));
      printStatements(io, diffGovernance(p, state));
      return 0;
    }

    // apply
    if (o.governanceRole === undefined) throw new UsageError(`apply needs --governance-role ROLE (never the service user's own role)\n${USAGE}`);
    const governanceRole = o.governanceRole;
    const dryRun = o.dryRun || (io.env.CI === 'true' && !o.execute);
    const p = plan(true);
    if (p.masked.some((c) => c.rule === 'pseudonym') && maskingKey === undefined && !dryRun) {
      throw new UsageError('AIRLOCK_MASKING_KEY must be set: the pseudonym function key is derived from it');
    }
    warnUnsupported(io, p);
    const statements = o.diff ? diffGovernance(p, await withWarehouse(config, governanceRole, (w) => readGovernanceState(w, p, p.names.schema))) : p.statements;
    if (dryRun) {
      io.stdout.write(`-- dry run${io.env.CI === 'true' ? ' (CI=true; --execute to apply)' : ''}: ${statements.length} statement(s) would run as ${governanceRole.toUpperCase()}\n\n`);
      printStatements(io, statements);
      return 0;
    }
    const dataDir = resolve(io.cwd, io.env['AIRLOCK_DATA_DIR'] || '.airlock');
    const { LocalKeySigner } = await import('#shared/adapters/file-key/local-key-signer.js');
    const { openLocalRecordStore } = await import('#local/record-store-access.js');
    const signer = await LocalKeySigner.open(join(dataDir, 'keys', 'records.pem'));
    const store = await openLocalRecordStore(dataDir);
    try {
      const secrets = statements.flatMap((s) => (s.secretSql === undefined ? [] : [sourceMaskingKeyHex(Buffer.from(maskingKey ?? '', 'utf8'))]));
      const report = await withWarehouse(config, governanceRole, (w) =>
        applyGovernance({ records: store.records, signer, clock: systemClock, warehouse: w }, { statements, governanceRole, airlockRole, secrets }),
      );
      for (const a of report.applied) io.stdout.write(`applied  ${a.index}/${statements.length} ${a.step} (query ${a.queryId})\n`);
      if (report.failed !== null) {
        const f = report.failed;
        io.stdout.write(`FAILED   ${f.index}/${statements.length} ${f.step}: ${f.error.code}: ${f.error.message}\n${f.sql};\n`);
        for (const n of report.notRun) io.stdout.write(`not run  ${n.index}/${statements.length} ${n.step}\n`);
        io.stdout.write(`stopped: ${report.applied.length} applied, 1 failed, ${report.notRun.length} not run; recorded in ${GOVERNANCE_SESSION} (${store.via})\n`);
        return 1;
      }
      io.stdout.write(`done: ${report.applied.length} statement(s) applied as ${governanceRole.toUpperCase()}; recorded in ${GOVERNANCE_SESSION} (${store.via})\n`);
      return 0;
    } finally {
      await store.close();
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (isAirlockError(e)) {
      io.stderr.write(`airlock snowflake ${sub}: ${e.code}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
};
