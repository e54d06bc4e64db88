import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { DuckDbWarehouse, type DuckDbWarehouseOptions } from '#shared/adapters/duckdb/duckdb-warehouse.js';
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

/**
 * Empty warehouses for the tests of one describe block, each in its own temp folder, closed and
 * removed after each test.
 *
 * @example
 * const warehouses = emptyWarehouses('airlock-deadline-');
 * const w = await warehouses.open({ maxConcurrency: 3 });
 */
export function emptyWarehouses(prefix: string): { open(options?: Omit<DuckDbWarehouseOptions, 'path'>): Promise<DuckDbWarehouse> } {
  const opened: Array<{ dir: string; warehouse: DuckDbWarehouse }> = [];
  afterEach(async () => {
    for (const { dir, warehouse } of opened.splice(0)) {
      await warehouse.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  return {
    open: async (options = {}) => {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      const warehouse = await DuckDbWarehouse.open({ path: join(dir, 'w.duckdb'), ...options });
      opened.push({ dir, warehouse });
      return warehouse;
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
