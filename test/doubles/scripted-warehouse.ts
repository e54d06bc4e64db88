import type { ExecuteInput, Warehouse, WarehouseResult } from '#shared/ports/warehouse.js';

/** One row, one column: what a test that only needs "a statement ran" answers with. */
export const ONE_ROW: WarehouseResult = { queryId: 'q-1', columns: [{ name: 'N', type: 'NUMBER(38,0)' }], rows: [[1]], truncated: false, durationMs: 1 };

/**
 * A warehouse that answers each statement from a script and remembers every one it was asked to run
 * (`calls`: "nothing ran" is `calls.length === 0`). `call` is the statement's 1-based number.
 *
 * @example
 * const warehouse = new ScriptedWarehouse(() => ONE_ROW);
 * const sf = new ScriptedWarehouse(async (input) => answerFor(input.sql), 'snowflake');
 */
export class ScriptedWarehouse implements Warehouse {
  readonly calls: ExecuteInput[] = [];
  constructor(
    private readonly answer: (input: ExecuteInput, call: number) => WarehouseResult | Promise<WarehouseResult>,
    readonly name: 'duckdb' | 'snowflake' = 'duckdb',
  ) {}
  async execute(input: ExecuteInput): Promise<WarehouseResult> {
    this.calls.push(input);
    return this.answer(input, this.calls.length);
  }
  async close(): Promise<void> {}
}
