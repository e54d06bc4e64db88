/**
 * Child process for the snowflake bench section: one SnowflakeWarehouse.execute against the wire
 * server named in the environment, then its own peak RSS. Run alone so the server's memory and
 * the other measurements do not count.
 */
import { SnowflakeWarehouse } from '#shared/adapters/snowflake/snowflake-warehouse.js';

const env = process.env;
const warehouse = new SnowflakeWarehouse(
  { account: 'testaccount', user: 'airlock_svc', auth: { kind: 'key-pair', privateKeyPem: String(env['BENCH_SF_KEY']) }, accessUrl: String(env['BENCH_SF_URL']) },
  { loginRetries: 0 },
);
const started = performance.now();
const input = { sql: String(env['BENCH_SF_SQL']), queryTag: '{"bench":true}', maxRows: Number(env['BENCH_SF_MAX_ROWS']), timeoutMs: 120_000 };
let rows = 0;
// 'stream': rows are consumed and dropped as they arrive; otherwise kept, as execute() returns them.
const r = env['BENCH_SF_MODE'] === 'stream' ? await warehouse.forEachRow(input, () => void rows++) : await warehouse.execute(input);
if (env['BENCH_SF_MODE'] !== 'stream') rows = r.rows.length;
const ms = performance.now() - started;
await warehouse.close();
process.stdout.write(`${JSON.stringify({ rows, truncated: r.truncated, ms, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
