/**
 * Snowflake result path: rows/s fetched and converted through SnowflakeWarehouse (snowflake-sdk,
 * unmodified) from the local wire server for a 100,000-row result with the row limit off, beside
 * the same rows read straight from DuckDB; and the client's peak RSS, each in its own process,
 * for that result with the limit off and at the default 1,000-row limit, beside a one-row query.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SnowflakeWarehouse } from '#shared/adapters/snowflake/snowflake-warehouse.js';
import { startFakeSnowflake } from '#test/helpers/fake-snowflake-server.js';
import type { BenchSection, BenchSectionRunner } from '../types.js';

const ROWS = 100_000;
const CHUNK_ROWS = 10_000;
const RUNS = 3;
const SQL = 'SELECT ID, NAME, AMOUNT, CREATED_AT, ACTIVE FROM bench_rows ORDER BY ID';
const SEED = `CREATE TABLE bench_rows AS SELECT range AS ID, 'customer ' || range AS NAME, (range * 0.37)::DECIMAL(12,2) AS AMOUNT,
  TIMESTAMP '2024-01-01' + to_seconds(range) AS CREATED_AT, range % 3 = 0 AS ACTIVE FROM range(${ROWS})`;

const execFileAsync = promisify(execFile);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

interface ChildResult {
  rows: number;
  kept: number;
  truncated: boolean;
  maxRssKiB: number;
  heapAtStart: number;
  samples: number[];
}

async function child(env: Record<string, string>): Promise<ChildResult> {
  const script = fileURLToPath(new URL('./snowflake-client.ts', import.meta.url));
  const { stdout } = await execFileAsync(process.execPath, ['--expose-gc', '--import', 'tsx', script], {
    env: { ...process.env, ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ChildResult;
}

export const run: BenchSectionRunner = () => section();

async function section(): Promise<BenchSection> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const server = await startFakeSnowflake({ publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), chunkRows: CHUNK_ROWS, seed: [SEED] });
  const warehouse = new SnowflakeWarehouse({ account: 'testaccount', user: 'airlock_svc', auth: { kind: 'key-pair', privateKeyPem: pem }, accessUrl: server.url }, { loginRetries: 0 });
  try {
    // Through the driver: query-request, 9 chunk GETs, conversion to JSON-safe values. Best of RUNS.
    let sfBest = Infinity;
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const r = await warehouse.execute({ sql: SQL, queryTag: '{"bench":true}', maxRows: Number.MAX_SAFE_INTEGER, timeoutMs: 120_000 });
      if (r.rows.length !== ROWS || r.truncated) throw new Error(`expected ${ROWS} rows, got ${r.rows.length}`);
      sfBest = Math.min(sfBest, performance.now() - t);
    }
    let duckBest = Infinity;
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const reader = await server.duckdb.runAndReadAll(SQL);
      const rows = reader.getRowsJS();
      if (rows.length !== ROWS) throw new Error('baseline row count');
      duckBest = Math.min(duckBest, performance.now() - t);
    }
    const env = { BENCH_SF_URL: server.url, BENCH_SF_KEY: pem };
    const unlimited = String(Number.MAX_SAFE_INTEGER);
    const floor = await child({ ...env, BENCH_SF_SQL: 'SELECT 1 AS X', BENCH_SF_MAX_ROWS: '1000', BENCH_SF_MODE: 'keep' });
    let fetchesBefore = server.chunkFetches.length;
    const limited = await child({ ...env, BENCH_SF_SQL: SQL, BENCH_SF_MAX_ROWS: '1000', BENCH_SF_MODE: 'keep' });
    const fetchedAtLimit = server.chunkFetches.length - fetchesBefore;
    fetchesBefore = server.chunkFetches.length;
    const streamed = await child({ ...env, BENCH_SF_SQL: SQL, BENCH_SF_MAX_ROWS: unlimited, BENCH_SF_MODE: 'stream' });
    const fetchedStreaming = server.chunkFetches.length - fetchesBefore;
    const all = await child({ ...env, BENCH_SF_SQL: SQL, BENCH_SF_MAX_ROWS: unlimited, BENCH_SF_MODE: 'keep' });
    if (streamed.rows !== ROWS || all.rows !== ROWS) throw new Error('child row count');
    const sfRate = ROWS / (sfBest / 1000);
    const duckRate = ROWS / (duckBest / 1000);
    return {
      title: `Snowflake result path (${fmt(ROWS)} rows × 5 columns, ${CHUNK_ROWS.toLocaleString('en-US')}-row chunks, best of ${RUNS})`,
      rows: [
        {
          metric: 'rows/s through SnowflakeWarehouse (wire, row limit off)',
          value: fmt(sfRate),
          baseline: `${fmt(duckRate)} (straight from DuckDB)`,
          ratio: `${(duckRate / sfRate).toFixed(1)}x slower`,
          note: `${fmt(sfBest)} ms vs ${fmt(duckBest)} ms`,
        },
        { metric: 'client peak RSS, one-row query', value: mib(floor.maxRssKiB), note: 'process floor: node + snowflake-sdk' },
        {
          metric: `client peak RSS, ${fmt(ROWS)} rows at the 1,000-row limit`,
          value: mib(limited.maxRssKiB),
          baseline: mib(floor.maxRssKiB),
          ratio: `+${mib(limited.maxRssKiB - floor.maxRssKiB)}`,
          note: `${limited.rows} rows kept, truncated=${String(limited.truncated)}; ${fetchedAtLimit} of ${ROWS / CHUNK_ROWS - 1} chunk URLs fetched`,
        },
        {
          metric: `client peak RSS, ${fmt(ROWS)} rows, limit off: streamed / kept`,
          value: mib(streamed.maxRssKiB),
          baseline: `${mib(all.maxRssKiB)} (kept)`,
          note: `peak RSS is mostly garbage V8 has not collected yet; the live heap below is what is held (${fetchedStreaming} chunk GETs)`,
        },
        {
          metric: 'live heap after GC at 20k/40k/…/100k rows: streamed',
          value: `${streamed.samples.join('/')} MiB`,
          baseline: `${all.samples.join('/')} MiB (kept)`,
          note: `start ${streamed.heapAtStart} MiB; streamed stays flat (one ${fmt(CHUNK_ROWS)}-row chunk in flight); kept grows with the rows`,
        },
      ],
    };
  } finally {
    await warehouse.close();
    await server.close();
  }
}
