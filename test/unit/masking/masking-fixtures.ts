import type { WarehouseColumn } from '#shared/ports/warehouse.js';
import type { OutputColumn } from '#shared/sql/types.js';
import { maskResult, type MaskResultInput } from '#shared/masking/mask-result.js';
import type { ColumnRule, DetectorName, MaskingConfig, MaskRule } from '#shared/masking/types.js';

export const KEY = new Uint8Array(32).fill(7);
export const OTHER_KEY = new Uint8Array(32).fill(9);

export const ALL_REDACT: Record<DetectorName, MaskRule | 'off'> = {
  email: 'redact',
  phone: 'redact',
  ssn: 'redact',
  payment_card: 'redact',
  iban: 'redact',
  aws_access_key: 'redact',
  jwt: 'redact',
  bearer_token: 'redact',
  private_key: 'redact',
  secret: 'redact',
  person_name: 'redact',
};

export const ALL_OFF: Record<DetectorName, MaskRule | 'off'> = Object.fromEntries(
  Object.keys(ALL_REDACT).map((k) => [k, 'off']),
) as Record<DetectorName, MaskRule | 'off'>;

export function config(
  columns: ColumnRule[] = [],
  detectors: Partial<Record<DetectorName, MaskRule | 'off'>> = {},
  key: Uint8Array = KEY,
): MaskingConfig {
  return { columns, detectors: { ...ALL_REDACT, ...detectors }, key };
}

/** Only the named detector on, with `rule`. */
export function only(name: DetectorName, rule: MaskRule = 'redact'): MaskingConfig {
  return { columns: [], detectors: { ...ALL_OFF, [name]: rule }, key: KEY };
}

/** Masks one free-text cell with no column rules. */
export function maskText(text: unknown, cfg: MaskingConfig = config()): unknown {
  const out = maskResult({ columns: [{ name: 'NOTES', type: 'VARCHAR' }], rows: [[text]], lineage: null, touchesSensitive: false, objects: [] }, cfg);
  return out.rows[0]?.[0];
}

export const col = (name: string, type = 'VARCHAR'): WarehouseColumn => ({ name, type });

export function src(object: string | null, column: string): OutputColumn['sources'][number] {
  return { object, column };
}

/** Complete lineage: each output column read straight from the same-named column of T. */
export function direct(columns: readonly WarehouseColumn[]): OutputColumn[] {
  return columns.map((c) => ({ name: c.name, sources: [{ object: 'T', column: c.name }], complete: true }));
}

/** A result with complete, direct lineage unless the test says otherwise. */
export function input(partial: Partial<MaskResultInput> & Pick<MaskResultInput, 'columns' | 'rows'>): MaskResultInput {
  return { lineage: direct(partial.columns), touchesSensitive: false, objects: [{ name: 'T' }], ...partial };
}
