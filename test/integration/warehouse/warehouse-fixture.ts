import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbWarehouse } from '#shared/adapters/duckdb/duckdb-warehouse.js';
import { seedDemo, type SeedOutcome } from '#local/seed/seed-demo.js';
import type { WarehouseResult } from '#shared/ports/warehouse.js';

export interface SeededWarehouse {
  dir: string;
  path: string;
  warehouse: DuckDbWarehouse;
  seed: SeedOutcome;
  run(sql: string, opts?: { maxRows?: number; timeoutMs?: number }): Promise<WarehouseResult>;
  dispose(): Promise<void>;
}

/** A freshly seeded demo warehouse in its own temp folder. */
export async function seededWarehouse(): Promise<SeededWarehouse> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-wh-'));
  const path = join(dir, 'warehouse.duckdb');
  const seed = await seedDemo(path);
  const warehouse = await DuckDbWarehouse.open({ path });
  return {
    dir,
    path,
    warehouse,
    seed,
    run: (sql, opts = {}) => warehouse.execute({ sql, queryTag: '{"test":true}', maxRows: opts.maxRows ?? 10_000, timeoutMs: opts.timeoutMs ?? 20_000 }),
    dispose: async () => {
      await warehouse.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> | undefined }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: string; message: string; details?: Record<string, unknown> };
    return { code: err.code, message: err.message, details: err.details };
  }
  throw new Error('expected the statement to fail');
}
