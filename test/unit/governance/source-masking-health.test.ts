import { describe, expect, it } from 'vitest';
import { startSourceMaskingTimer } from '#local/source-masking-timer.js';
import { SOURCE_MASKING_NOT_APPLICABLE, summarizeSourceMasking } from '#shared/governance/source-masking-health.js';
import { getHealth } from '#shared/http/handlers/public.js';
import { systemClock } from '#shared/ports/clock.js';
import type { ExecuteInput, Warehouse, WarehouseResult } from '#shared/ports/warehouse.js';

const finding = (status: 'masked' | 'unmasked' | 'empty' | 'error') => ({ column: 'DB.S.T.C', rule: 'redact' as const, status, detail: '' });
const body = async (deps: Parameters<typeof getHealth>[0]) => JSON.parse(String((await getHealth(deps)).body));

describe('source masking in GET /v1/health', () => {
  it('summarises a check by counts: in_place, not_in_place, unverified, nothing_to_mask', () => {
    const at = '2026-12-07T12:00:00.000Z';
    expect(summarizeSourceMasking([finding('masked'), finding('masked')], at)).toEqual({ state: 'in_place', checkedAt: at, columns: { total: 2, masked: 2, unmasked: 0, unverified: 0 } });
    expect(summarizeSourceMasking([finding('masked'), finding('unmasked'), finding('empty')], at)).toMatchObject({ state: 'not_in_place', columns: { unmasked: 1, unverified: 1 }, warning: expect.stringContaining('1 of 3') });
    expect(summarizeSourceMasking([finding('masked'), finding('error')], at)).toMatchObject({ state: 'unverified', warning: expect.stringContaining('1 of 2') });
    expect(summarizeSourceMasking([], at)).toEqual({ state: 'nothing_to_mask', checkedAt: at, columns: { total: 0, masked: 0, unmasked: 0, unverified: 0 } });
  });

  it('health without a source to mask says so and warns of nothing; without the field it is unchanged', async () => {
    expect(await body({ notReady: () => [] })).toEqual({ status: 'ok' });
    expect(await body({ notReady: () => [], sourceMasking: () => SOURCE_MASKING_NOT_APPLICABLE })).toEqual({ status: 'ok', details: { sourceMasking: { state: 'not_applicable' } } });
    const starting = await body({ notReady: () => ['runtime'], sourceMasking: () => SOURCE_MASKING_NOT_APPLICABLE });
    expect(starting).toMatchObject({ status: 'starting', details: { sourceMasking: { state: 'not_applicable' } } });
  });

  it('on Snowflake, health warns "unchecked" until the first check ends, then reports it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const queries: string[] = [];
    const warehouse: Warehouse = {
      name: 'snowflake',
      async execute(input: ExecuteInput): Promise<WarehouseResult> {
        queries.push(input.sql);
        await gate;
        return { queryId: 'q', columns: [], rows: [], truncated: false, durationMs: 1 };
      },
      close: async () => undefined,
    };
    const timer = startSourceMaskingTimer({ warehouse, rules: [{ pattern: 'EMAIL', rule: 'redact' }], clock: systemClock }, { intervalMs: 3_600_000 });
    try {
      const early = await body({ notReady: () => [], sourceMasking: () => timer.current() });
      expect(early.details.sourceMasking.state).toBe('unchecked');
      expect(early.warnings[0]).toMatch(/^source masking not verified yet/);
      expect(queries).toHaveLength(1); // the catalog read, once: health calls add nothing
      release();
      await timer.runOnce();
      const after = await body({ notReady: () => [], sourceMasking: () => timer.current() });
      expect(after.details.sourceMasking.state).toBe('nothing_to_mask');
      expect(after.warnings).toBeUndefined();
    } finally {
      release();
      await timer.stop();
    }
  });
});
