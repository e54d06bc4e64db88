import { findDataDir } from '#local/runtime-file.js';
import { resolve } from 'node:path';
import { AirlockError } from '#shared/errors.js';
import { systemClock } from '#shared/ports/clock.js';
import { exportRecords, type ExportFilter } from '#shared/use-cases/export-records.js';
import { SESSION_ID } from '#shared/use-cases/query-input.js';
import { assertNewExportDir, fileSink } from '../export-files.js';
import { openAwsExportSource, openLocalExportSource, type ExportSource } from '../export-store.js';
import { progressBar } from '../progress-bar.js';
import { parseCommandArgs, UsageError, type Command } from '../io.js';

const USAGE =
  'usage: airlock export [--since 1h | --from ISO] [--to ISO] [--session ID] [--identity SUB] --out DIR\n' +
  '       [--aws | --endpoint URL] [--table-prefix P] [--region R] [--export-key-arn ARN] [--records-key-arn ARN] [--checkpoint-function NAME]';

/** An ISO instant; a bare date means the start (`from`) or the end (`to`) of that UTC day. */
function instant(value: string | undefined, end: boolean, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const v = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T${end ? '23:59:59.999' : '00:00:00.000'}Z` : value;
  const t = Date.parse(v);
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}/.test(v)) throw new UsageError(`${flag} must be an ISO 8601 date or time, got ${JSON.stringify(value)}`);
  return new Date(t).toISOString();
}

const SINCE_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since 30m|1h|7d|2w` → the ISO instant that long before `now`. */
export function sinceInstant(value: string, now: number): string {
  const m = /^(\d{1,6})([mhdw])$/.exec(value.trim());
  if (!m?.[1] || !m[2] || Number(m[1]) === 0) throw new UsageError(`--since must be a duration like 30m, 1h, 7d or 2w, got ${JSON.stringify(value)}`);
  return new Date(now - Number(m[1]) * (SINCE_UNITS[m[2]] ?? 0)).toISOString();
}

/**
 * `airlock export …`: the selected sessions, whole, into DIR (records.jsonl, checkpoints.jsonl,
 * requests.csv, keys/, manifest.json signed by the export key). Exit 0 done, 1 the store or a
 * signer failed, 2 usage, 3 the selection matched no record (said on stderr; the folder holds an
 * empty signed export, which `verify` reports as empty).
 */
export const run: Command = async (argv, io) => {
  const parsed = parseCommandArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      since: { type: 'string' },
      to: { type: 'string' },
      session: { type: 'string' },
      identity: { type: 'string' },
      out: { type: 'string' },
      aws: { type: 'boolean' },
      'checkpoint-function': { type: 'string' },
      endpoint: { type: 'string' },
      'table-prefix': { type: 'string' },
      region: { type: 'string' },
      'export-key-arn': { type: 'string' },
      'records-key-arn': { type: 'string' },
      'export-key': { type: 'string' },
      'records-key': { type: 'string', multiple: true },
    },
    strict: true,
    allowPositionals: false,
  }, USAGE);
  const v = parsed.values;
  if (v.out === undefined) throw new UsageError(`--out DIR is required\n${USAGE}`);
  if (v.session !== undefined && !SESSION_ID.test(v.session)) throw new UsageError('--session must match ^[A-Za-z0-9_-]{1,64}$');
  if (v.identity === '') throw new UsageError('--identity must not be empty');
  const filter: ExportFilter = {};
  if (v.since !== undefined && v.from !== undefined) throw new UsageError(`--since and --from both set a start; give one\n${USAGE}`);
  const from = v.since !== undefined ? sinceInstant(v.since, systemClock.now().getTime()) : instant(v.from, false, '--from');
  const to = instant(v.to, true, '--to');
  if (from !== undefined) filter.from = from;
  if (to !== undefined) filter.to = to;
  if (from !== undefined && to !== undefined && from > to) throw new UsageError('--from is after --to');
  if (v.session !== undefined) filter.sessionId = v.session;
  if (v.identity !== undefined) filter.identity = v.identity;
  const out = resolve(io.cwd, v.out);
  assertNewExportDir(out);

  let source: ExportSource;
  if (v.aws === true || v.endpoint !== undefined) {
    source = await openAwsExportSource({
      tablePrefix: v['table-prefix'] ?? 'airlock',
      hasCredentials: Boolean(io.env['AWS_ACCESS_KEY_ID'] || io.env['AWS_PROFILE']),
      ...(v.endpoint === undefined ? {} : { endpoint: v.endpoint }),
      ...(v.region === undefined ? {} : { region: v.region }),
      ...(v['export-key-arn'] === undefined ? {} : { exportKeyArn: v['export-key-arn'] }),
      ...(v['records-key-arn'] === undefined ? {} : { recordsKeyArn: v['records-key-arn'] }),
      ...(v['checkpoint-function'] === undefined ? {} : { checkpointFunction: v['checkpoint-function'] }),
      ...(v['export-key'] === undefined ? {} : { exportKeyFile: resolve(io.cwd, v['export-key']) }),
      ...(v['records-key'] === undefined ? {} : { recordKeyFiles: v['records-key'].map((f) => resolve(io.cwd, f)) }),
    });
  } else {
    source = await openLocalExportSource(findDataDir(io.cwd, io.env));
  }
  const bar = progressBar(io.stderr);
  let sink: ReturnType<typeof fileSink> | undefined;
  try {
    sink = fileSink(out);
    const manifest = await exportRecords(
      {
        records: source.records,
        checkpoints: source.checkpoints,
        exportSigner: source.exportSigner,
        recordKeys: () => source.recordKeys(),
        ...(source.checkpointSigner === undefined ? {} : { checkpointSigner: source.checkpointSigner }),
        ...(source.checkpointFirst === undefined ? {} : { checkpointFirst: (ids: string[]) => source.checkpointFirst!(ids) }),
        clock: systemClock,
        onProgress: (p) => bar.update(p.sessionsDone, p.sessions, `${p.records} records`),
      },
      filter,
      sink,
    );
    bar.done();
    io.stdout.write(
      `exported ${manifest.records} record(s) of ${manifest.sessions.length} session(s) to ${out} (read through ${source.via})\n` +
        `manifest signed by export key ${manifest.sig.keyId}\n`,
    );
    if (manifest.records === 0) {
      io.stderr.write(`airlock export: nothing to export: no record matches ${describeFilter(filter)}; check the dates (times are UTC) or try --since 1d\n`);
      return 3;
    }
    return 0;
  } catch (e) {
    bar.done();
    await sink?.close();
    if (e instanceof AirlockError) {
      io.stderr.write(`airlock export: ${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    await source.close();
  }
};

function describeFilter(f: ExportFilter): string {
  const parts: string[] = [];
  if (f.from !== undefined) parts.push(`from ${f.from}`);
  if (f.to !== undefined) parts.push(`to ${f.to}`);
  if (f.sessionId !== undefined) parts.push(`session ${f.sessionId}`);
  if (f.identity !== undefined) parts.push(`identity ${f.identity}`);
  return parts.length === 0 ? 'the whole store (it is empty)' : parts.join(', ');
}
