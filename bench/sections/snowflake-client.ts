/**
 * Child process for the snowflake bench section: one statement through SnowflakeWarehouse against
 * the wire server named in the environment, then its own peak RSS and the live heap (after a forced
 * GC) sampled every 20,000 rows. Run alone so the server's memory and the other runs do not count.
 * BENCH_SF_MODE 'stream' drops each row once converted (forEachRow); 'keep' holds them as execute() does.
 */
import { SnowflakeWarehouse } from '#shared/adapters/snowflake/snowflake-warehouse.js';

const env = process.env;
const gc = (globalThis as { gc?: () => void }).gc;
const liveMiB = () => {
  gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1_048_576);
};
const warehouse = new SnowflakeWarehouse(
  { account: 'testaccount', user: 'airlock_svc', auth: { kind: 'key-pair', privateKeyPem: String(env['BENCH_SF_KEY']) }, accessUrl: String(env['BENCH_SF_URL']) },
  { loginRetries: 0 },
);
const input = { sql: String(env['BENCH_SF_SQL']), queryTag: '{"bench":true}', maxRows: Number(env['BENCH_SF_MAX_ROWS']), timeoutMs: 120_000 };
await warehouse.execute({ ...input, sql: 'SELECT 1 AS X' });
const heapAtStart = liveMiB();
const kept: unknown[][] = [];
const samples: number[] = [];
let rows = 0;
const r = await warehouse.forEachRow(input, (row) => {
  if (env['BENCH_SF_MODE'] === 'keep') kept.push(row);
  if (++rows % 20_000 === 0) samples.push(liveMiB());
});
await warehouse.close();
process.stdout.write(`${JSON.stringify({ rows, kept: kept.length, truncated: r.truncated, maxRssKiB: process.resourceUsage().maxRSS, heapAtStart, samples })}\n`);
