import { AirlockError } from '../errors.js';
import type { WarehouseColumn } from '../ports/warehouse.js';
import type { OutputColumn } from '../sql/types.js';
import { maskWithColumnRule, REDACTED } from './column-rule-mask.js';
import { planColumns } from './column-plan.js';
import { compileConfig } from './compiled-config.js';
import { Pseudonymizer } from './pseudonymizer.js';
import type { ScanContext } from './text-scanner.js';
import type { MaskedColumnReport, MaskingConfig, MaskRule } from './types.js';
import { scanString, scanValue } from './value-scanner.js';

export interface MaskResultInput {
  /** The warehouse's output columns, in row order. */
  columns: WarehouseColumn[];
  /** Raw rows, one value per column (JSON-safe). Never mutated. */
  rows: unknown[][];
  /** The classifier's output-column lineage for the statement; null when it has none (SHOW, DESCRIBE…). */
  lineage: OutputColumn[] | null;
  /**
   * The caller's knowledge that the statement references a column some column rule matches
   * anywhere (WHERE, JOIN, a subquery…), e.g. from the classifier's referenced columns.
   * maskResult ORs it with what it finds in `lineage` and the output names itself.
   */
  touchesSensitive: boolean;
  /** The statement's objects (`ObjectRef.name`); an unqualified lineage source is qualified by the only table, if there is one. */
  objects: { name: string }[];
  /** A construct lineage cannot follow (`OBJECT_CONSTRUCT(*)`, `$2`, a row-valued alias …): every column is redacted. */
  opaque?: boolean;
}

export interface MaskResultOutput {
  /** New row arrays; nested JSON values are new where something was masked. */
  rows: unknown[][];
  /** Per (column, rule), in column order: column rules (even with 0 cells), then detectors that fired. */
  masked: MaskedColumnReport[];
}

/**
 * Masks a warehouse result before anyone (agent, record, log) sees it.
 *
 * 1. Column rules, decided once per result (see `planColumns`): by output name, lineage
 *    source (`COLUMN`, `TABLE.COLUMN`, `DB.SCHEMA.TABLE.COLUMN`, `*` globs, case-insensitive)
 *    or star expansion; strictest wins (redact > pseudonym > partial). A column whose lineage
 *    is missing or incomplete, in a statement that touches a sensitive column, is redacted
 *    whole and reported as rule `redact`.
 * 2. Every other non-null cell: content detectors over each string, including strings nested
 *    in VARIANT values and inside JSON text, replacing each detected value in place by its
 *    detector's rule (`[REDACTED:email]`, `***-**-6789`, `email_3f9a…`), reported as
 *    `detector:<name>` with the number of cells in which it fired.
 *
 * null stays null and is never counted, except in a column redacted because it is computed,
 * opaque or of unknown lineage: there it is `[REDACTED]` too (see `ColumnPlan`). Errors name settings and positions, never values.
 *
 * @example
 * const { rows, masked } = maskResult(
 *   { columns: [{ name: 'E', type: 'VARCHAR' }], rows: [['ann@example.com']],
 *     lineage: [{ name: 'E', sources: [{ object: 'CUSTOMERS', column: 'EMAIL' }], complete: true }],
 *     touchesSensitive: false, objects: [{ name: 'CUSTOMERS' }] },
 *   { columns: [{ pattern: 'EMAIL', rule: 'pseudonym' }], detectors, key },
 * );
 * // rows: [['email_' + 16 hex chars]], masked: [{ column: 'E', rule: 'pseudonym', cells: 1 }]
 */
export function maskResult(input: MaskResultInput, config: MaskingConfig): MaskResultOutput {
  const compiled = compileConfig(config);
  const width = input.columns.length;
  const { rules: plan, hideNulls } = planColumns(input, compiled.columnRules);
  const ctx: ScanContext = { detectors: compiled.detectors, pseudonyms: new Pseudonymizer(compiled.key), hits: 0, deepRedacted: false };
  // Counters live in typed arrays: the loop below runs per cell and must not allocate.
  const ruleCells = new Uint32Array(width);
  const deepCells = new Uint32Array(width);
  const detectorCells = new Uint32Array(width * compiled.detectors.length);
  const rows = new Array<unknown[]>(input.rows.length);
  for (let r = 0; r < input.rows.length; r++) {
    const row = input.rows[r];
    if (!Array.isArray(row) || row.length !== width) {
      throw new AirlockError('ERR_MASKING_SHAPE', `row ${r} has ${Array.isArray(row) ? row.length : 'no'} cells; the result has ${width} columns`);
    }
    const out = new Array<unknown>(width);
    for (let c = 0; c < width; c++) {
      const value: unknown = row[c];
      const rule = plan[c] ?? null;
      if (value === null || value === undefined) {
        out[c] = hideNulls[c] === true ? REDACTED : null;
      } else if (rule !== null) {
        out[c] = maskWithColumnRule(rule, value, ctx.pseudonyms);
        ruleCells[c] = (ruleCells[c] ?? 0) + 1;
      } else if (typeof value === 'string' || typeof value === 'object') {
        ctx.hits = 0;
        ctx.deepRedacted = false;
        out[c] = typeof value === 'string' ? scanString(value, ctx) : scanValue(value, ctx);
        if (ctx.hits !== 0) tally(detectorCells, c * compiled.detectors.length, ctx.hits);
        if (ctx.deepRedacted) deepCells[c] = (deepCells[c] ?? 0) + 1;
      } else {
        out[c] = value;
      }
    }
    rows[r] = out;
  }
  return { rows, masked: report(input.columns, plan, ruleCells, deepCells, detectorCells, compiled.detectors) };
}

/** Adds one cell to each detector whose bit is set in `hits` (row-major: column × detector). */
function tally(counts: Uint32Array, offset: number, hits: number): void {
  for (let i = 0, bits = hits; bits !== 0; i++, bits >>>= 1) if ((bits & 1) !== 0) counts[offset + i] = (counts[offset + i] ?? 0) + 1;
}

/** Aggregates per (output column name, rule): duplicate names (`ID`, `ID`) share one entry. */
function report(
  columns: readonly WarehouseColumn[],
  plan: readonly (MaskRule | null)[],
  ruleCells: Uint32Array,
  deepCells: Uint32Array,
  detectorCells: Uint32Array,
  detectors: readonly { detector: { name: string } }[],
): MaskedColumnReport[] {
  const entries = new Map<string, MaskedColumnReport>();
  const add = (column: string, rule: string, cells: number): void => {
    const key = `${column}\u0000${rule}`;
    const entry = entries.get(key);
    if (entry === undefined) entries.set(key, { column, rule, cells });
    else entry.cells += cells;
  };
  columns.forEach((column, c) => {
    const rule = plan[c] ?? null;
    if (rule !== null) add(column.name, rule, ruleCells[c] ?? 0);
    if ((deepCells[c] ?? 0) > 0) add(column.name, 'redact', deepCells[c] ?? 0);
    detectors.forEach((d, i) => {
      const cells = detectorCells[c * detectors.length + i] ?? 0;
      if (cells > 0) add(column.name, `detector:${d.detector.name}`, cells);
    });
  });
  return [...entries.values()];
}
