import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { DynamoDbRecordStore } from '#shared/adapters/aws/dynamodb-record-store.js';
import { tableNames } from '#shared/adapters/aws/tables.js';
import { snowflakeConfigOf } from '#shared/adapters/snowflake/snowflake-config.js';
import type { SnowflakeSettings } from '#shared/adapters/snowflake/snowflake-settings.js';
import { SnowflakeQueryHistory } from '#shared/adapters/snowflake/snowflake-query-history.js';
import { SnowflakeWarehouse } from '#shared/adapters/snowflake/snowflake-warehouse.js';
import { AirlockError } from '#shared/errors.js';
import { systemClock } from '#shared/ports/clock.js';
import { reconcileQueries, type ReconcileSummary } from '#shared/reconcile/reconcile-queries.js';
import type { ReconcileFinding } from '#shared/reconcile/reconcile-finding.js';
import { DynamoDbRequestStore } from '#shared/adapters/aws/dynamodb-request-store.js';
import type { Signer } from '#shared/ports/signer.js';
import { openAwsExportSource } from '../export-store.js';
import { FINDINGS_FILE, REPORT_FILE, findingsJsonl, signReconcileReport } from '#shared/reconcile/reconcile-report.js';
import { openLocalStore } from '#local/record-store-access.js';
import { parseCommandArgs, UsageError, type Command } from '../io.js';

const USAGE =
  'usage: airlock reconcile --from ISO --to ISO [--out DIR] [--settle-after SECONDS]\n' +
  '       [--aws | --endpoint URL] [--table-prefix P] [--region R] [--export-key-arn ARN | --export-key FILE]\n' +
  '       (Snowflake from SNOWFLAKE_* as for the runtime; records from AIRLOCK_DATA_DIR, default .airlock, or with --aws the deployed tables)'

/** An ISO instant; a bare date means the start (`from`) or the end (`to`) of that UTC day. */
function instant(value: string | undefined, end: boolean, flag: string): string {
  if (value === undefined) throw new UsageError(`${flag} is required\n${USAGE}`);
  const v = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T${end ? '23:59:59.999' : '00:00:00.000'}Z` : value;
  const t = Date.parse(v);
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}T/.test(v)) throw new UsageError(`${flag} must be an ISO 8601 date or time, got ${JSON.stringify(value).slice(0, 80)}`);
  return new Date(t).toISOString();
}

/**
 * `airlock reconcile --from T --to T [--out DIR]`: Snowflake's history of the service user's
 * queries against the records of the window (docs/reconcile.md). Appends `query.reconciled` for
 * each `outcome_unknown` request Snowflake shows ran. Prints a summary; with --out writes
 * findings.jsonl and reconcile.json signed by the export key (`airlock verify DIR` checks it).
 * Exit 0 nothing flagged, 1 something flagged, 2 usage or a failure (store, Snowflake, signer: nothing proven).
 */
export const run: Command = async (argv, io) => {
  const parsed = parseCommandArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      'settle-after': { type: 'string' },
      aws: { type: 'boolean' },
      endpoint: { type: 'string' },
      'table-prefix': { type: 'string' },
      region: { type: 'string' },
      'export-key-arn': { type: 'string' },
      'export-key': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  }, USAGE);
  const v = parsed.values;
  const from = instant(v.from, false, '--from');
  const to = instant(v.to, true, '--to');
  if (from > to) throw new UsageError('--from is after --to');
  const settle = v['settle-after'] === undefined ? undefined : Number(v['settle-after']);
  if (settle !== undefined && (!/^\d{1,6}$/.test(v['settle-after']!) || !Number.isInteger(settle))) throw new UsageError('--settle-after must be a whole number of seconds');
  const out = v.out === undefined ? undefined : resolve(io.cwd, v.out);
  if (out !== undefined && existsSync(out) && readdirSync(out).length > 0) throw new UsageError(`--out ${out} exists and is not empty`);

  let config;
  try {
    config = snowflakeConfigOf(io.env as SnowflakeSettings);
  } catch (e) {
    if (e instanceof AirlockError) throw new UsageError(`${e.code}: ${e.message}`);
    throw e;
  }
  if (config === null) throw new UsageError('reconcile reads Snowflake: set SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER and its key as for the runtime');
  const aws = v.aws === true || v.endpoint !== undefined;
  if (!aws && (v['table-prefix'] !== undefined || v.region !== undefined || v['export-key-arn'] !== undefined || v['export-key'] !== undefined)) {
    throw new UsageError(`--table-prefix, --region, --export-key-arn and --export-key go with --aws\n${USAGE}`);
  }
  if (aws) return runAws(io, v, { from, to, out, settle, config });
  const dataDir = resolve(io.cwd, io.env['AIRLOCK_DATA_DIR'] || '.airlock');
  const recordsKey = join(dataDir, 'keys', 'records.pem');
  if (!existsSync(recordsKey)) throw new UsageError(`no record key in ${dataDir}: start the runtime once (npm start) or set AIRLOCK_DATA_DIR`);
  const signer = await LocalKeySigner.open(recordsKey);
  const exportSigner = out === undefined ? null : await LocalKeySigner.open(join(dataDir, 'keys', 'exports.pem'));

  const store = await openLocalStore(dataDir);
  return reconcileWith(io, config, store, async (history) => {
    const records = new DynamoDbRecordStore(store.client, tableNames().records);
    const requests = new DynamoDbRequestStore(store.client, tableNames().requests);
    const { findings, summary } = await reconcileQueries({ records, requests, signer, clock: systemClock, history, ...(settle === undefined ? {} : { settleAfterMs: settle * 1000 }) }, { from, to });
    return report(io, findings, summary, store.via, out, exportSigner);
  });
};

/**
 * Runs one reconciliation against Snowflake (`run` gets the service user's history) and closes the
 * warehouse and the records source whatever happens. An AirlockError (store, Snowflake, signer) is
 * exit 2: nothing was proven either way, not 0 (clean), not 1 (flagged).
 */
async function reconcileWith(
  io: Parameters<Command>[1],
  config: NonNullable<ReturnType<typeof snowflakeConfigOf>>,
  source: { close(): Promise<void> },
  run: (history: SnowflakeQueryHistory) => Promise<number>,
): Promise<number> {
  const warehouse = new SnowflakeWarehouse(config, { loginRetries: 1 });
  try {
    return await run(new SnowflakeQueryHistory(warehouse, config.user));
  } catch (e) {
    if (e instanceof AirlockError) {
      io.stderr.write(`airlock reconcile: ${e.code}: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    await warehouse.close();
    await source.close();
  }
}

/**
 * `--aws`: the deployed records table (the caller's credentials, e.g. the auditor role), read-only —
 * it appends nothing and settles nothing (the scheduled ReconcileWarehouse function does); with
 * --out, reconcile.json is signed by the export KMS key (or --export-key FILE), as an export's manifest.
 */
async function runAws(
  io: Parameters<Command>[1],
  v: { endpoint?: string | undefined; 'table-prefix'?: string | undefined; region?: string | undefined; 'export-key-arn'?: string | undefined; 'export-key'?: string | undefined },
  o: { from: string; to: string; out: string | undefined; settle: number | undefined; config: NonNullable<ReturnType<typeof snowflakeConfigOf>> },
): Promise<number> {
  if (o.out !== undefined && v['export-key-arn'] === undefined && v['export-key'] === undefined) {
    throw new UsageError(`with --aws --out, name the key that signs reconcile.json: --export-key-arn ARN (or --export-key FILE)\n${USAGE}`);
  }
  const source = await openAwsExportSource({
    tablePrefix: v['table-prefix'] ?? 'airlock',
    hasCredentials: Boolean(io.env['AWS_ACCESS_KEY_ID'] || io.env['AWS_PROFILE']),
    exportKeyOptional: true,
    ...(v.endpoint === undefined ? {} : { endpoint: v.endpoint }),
    ...(v.region === undefined ? {} : { region: v.region }),
    ...(v['export-key-arn'] === undefined ? {} : { exportKeyArn: v['export-key-arn'] }),
    ...(v['export-key'] === undefined ? {} : { exportKeyFile: resolve(io.cwd, v['export-key']) }),
  });
  return reconcileWith(io, o.config, source, async (history) => {
    // Read-only: no record signing key at all (reconcile --aws appends nothing).
    const { findings, summary } = await reconcileQueries(
      { records: source.records, clock: systemClock, history, readOnly: true, ...(o.settle === undefined ? {} : { settleAfterMs: o.settle * 1000 }) },
      { from: o.from, to: o.to },
    );
    return report(io, findings, summary, `${source.via} (read-only)`, o.out, o.out === undefined ? null : source.exportSigner);
  });
}

/** Prints the summary and the findings; with `out`, writes findings.jsonl and reconcile.json signed by `exportSigner`. Exit 0 clean, 1 flagged. */
async function report(io: Parameters<Command>[1], findings: ReconcileFinding[], summary: ReconcileSummary, via: string, out: string | undefined, exportSigner: Signer | null): Promise<number> {
  const lines = [
    `reconciled ${summary.window.from} .. ${summary.window.to}: ${summary.historyQueries} quer${summary.historyQueries === 1 ? 'y' : 'ies'} of ${summary.user} in ${summary.source} ` +
      `(${summary.matched} matched to records, ${summary.housekeeping} housekeeping), ${summary.records} record(s) in ${summary.sessions} session(s) read through ${via}`,
  ];
  if (summary.latencyNote !== undefined) lines.push(`note: ${summary.latencyNote}`);
  for (const f of findings) lines.push(`${f.flagged ? 'flagged' : 'finding'}: ${f.kind} (${f.reason}): ${f.message}`);
  const c = summary.counts;
  lines.push(
    `${summary.flagged === 0 ? 'CLEAN' : 'FLAGGED'}: unrecorded_query ${c.unrecorded_query}, sql_mismatch ${c.sql_mismatch}, missing_in_history ${c.missing_in_history}; ` +
      `outcome_resolved ${c.outcome_resolved}, outcome_unknown ${c.outcome_unknown}`,
  );
  if (out !== undefined && exportSigner !== null) {
    const text = findingsJsonl(findings);
    const report = await signReconcileReport(summary, text, exportSigner, systemClock.now());
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, FINDINGS_FILE), text);
    writeFileSync(join(out, REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
    lines.push(`wrote ${join(out, FINDINGS_FILE)} and ${REPORT_FILE} signed by export key ${report.sig.keyId}`);
  }
  io.stdout.write(`${lines.join('\n')}\n`);
  return summary.flagged === 0 ? 0 : 1;
}
