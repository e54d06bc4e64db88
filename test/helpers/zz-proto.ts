import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { promisify } from 'node:util';
import { startFakeSnowflake } from '#test/helpers/fake-snowflake-server.js';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const SEED = `CREATE TABLE bench_rows AS SELECT range AS ID, 'customer ' || range AS NAME, (range * 0.37)::DECIMAL(12,2) AS AMOUNT, TIMESTAMP '2024-01-01' + to_seconds(range) AS CREATED_AT, range % 3 = 0 AS ACTIVE FROM range(100000)`;
const server = await startFakeSnowflake({ publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), chunkRows: 10000, seed: [SEED] });
for (const flags of [[], ['--max-old-space-size=48'], ['--max-semi-space-size=4']]) for (const mode of ['stream', 'keep']) {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [...flags, '--import', 'tsx', 'bench/sections/snowflake-client.ts'], { env: { ...process.env, BENCH_SF_URL: server.url, BENCH_SF_KEY: pem, BENCH_SF_SQL: 'SELECT ID, NAME, AMOUNT, CREATED_AT, ACTIVE FROM bench_rows ORDER BY ID', BENCH_SF_MAX_ROWS: '9007199254740991', BENCH_SF_MODE: mode } });
    console.log(flags, mode, stdout.trim());
  } catch (e: any) { console.log(flags, mode, 'FAILED', String(e.stderr).slice(-300)); }
}
await server.close();
