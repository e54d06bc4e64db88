import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbWarehouse } from '#shared/adapters/duckdb/duckdb-warehouse.js';
import { snowflakeRig } from '#test/integration/snowflake/snowflake-fixture.js';
import { CONTRACT_SEED, warehouseContract } from './warehouse.contract.js';

warehouseContract('DuckDbWarehouse', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-wh-contract-'));
  const path = join(dir, 'warehouse.duckdb');
  const seed = await DuckDBInstance.create(path);
  const conn = await seed.connect();
  for (const sql of CONTRACT_SEED) await conn.run(sql);
  conn.closeSync();
  seed.closeSync();
  const warehouse = await DuckDbWarehouse.open({ path });
  return {
    warehouse,
    close: async () => {
      await warehouse.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

// snowflake-sdk itself, unmodified, talks to a local server speaking Snowflake's REST wire format.
warehouseContract('SnowflakeWarehouse over the Snowflake wire protocol', async () => {
  const rig = await snowflakeRig({ seed: CONTRACT_SEED, chunkRows: 1000 });
  return { warehouse: rig.warehouse, close: rig.dispose };
});
