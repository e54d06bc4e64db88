import { duckdbLexicalAmbiguities, type LexicalAmbiguity } from '../adapters/duckdb/duckdb-lexical-guard.js';
import type { Warehouse } from '../ports/warehouse.js';
import type { Reason } from '../sql/types.js';

/**
 * Each warehouse's lexical compatibility guard: where it would read the submitted text
 * differently from the classifier. Snowflake is the dialect the classifier lexes, so its guard
 * accepts everything; DuckDB's refuses the constructs its scanner reads otherwise. Keyed by the
 * warehouse's name (not a method on the port) so a wrapped warehouse keeps its guard.
 */
const GUARDS: Readonly<Record<Warehouse['name'], (sql: string) => LexicalAmbiguity[]>> = {
  snowflake: () => [],
  duckdb: duckdbLexicalAmbiguities,
};

/**
 * The reasons `sql` may not run on `warehouse` as classified (rule X-LEX); empty when it may.
 *
 * @example
 * lexicalAmbiguityReasons('duckdb', 'SELECT 1 // 1 AS z')[0]?.message;
 * // "line 1: '//' is a comment for the classifier but integer division in DuckDB (X-LEX)"
 */
export function lexicalAmbiguityReasons(warehouse: Warehouse['name'], sql: string): Reason[] {
  const guard = GUARDS[warehouse] as ((sql: string) => LexicalAmbiguity[]) | undefined;
  // A warehouse without a guard is one nobody compared with the classifier: refuse (fail closed).
  const found = guard === undefined ? [{ message: `no lexical guard for the ${String(warehouse)} warehouse`, offset: 0, line: 1, column: 1 }] : guard(sql);
  return found.map((a) => ({ code: 'X-LEX', message: `line ${a.line}: ${a.message} (X-LEX)`, at: { line: a.line, column: a.column, offset: a.offset } }));
}
