import { WAREHOUSE_ERROR_VOCABULARY } from './warehouse-error-vocabulary.js';

/** What stands for every run of words that were not kept. */
export const ELIDED = '[…]';

// DuckDB's error classes, as its messages start ("Conversion Error: …").
const DUCKDB_CLASSES = new Set([
  'Parser',
  'Syntax',
  'Catalog',
  'Binder',
  'Conversion',
  'Invalid Input',
  'Out of Range',
  'Constraint',
  'Dependency',
  'Permission',
  'Not implemented',
  'Internal',
  'Invalid',
  'Invalid type',
  'Mismatch Type',
  'Serialization',
  'Transaction',
  'Interrupt',
  'Fatal',
  'Sequence',
  'IO',
  'HTTP',
  'Invalid Configuration',
  'Missing Extension',
  'Autoload',
  'Parameter Not Resolved',
  'Parameter Not Allowed',
  'Unknown',
]);
// Errors raised before any row is read: their text comes from the SQL and the catalog, never from data.
const DUCKDB_COMPILE = new Set(['Parser', 'Syntax', 'Catalog', 'Binder']);

const WORD = /[\p{L}\p{N}_]+(?:'[\p{L}]+)?/gu;
const HOLE = '\u0000';
const HOLES = /\u0000(?:[^\p{L}\p{N}_\u0000]*\u0000)+/gu;

interface Header {
  keep: string;
  body: string;
  compile: boolean;
}

function header(message: string, warehouse: 'duckdb' | 'snowflake'): Header {
  if (warehouse === 'snowflake') {
    const m = /^(\d{6}) \(([0-9A-Z]{5}|-----)\): /.exec(message);
    if (m === null) return { keep: '', body: message, compile: false };
    const body = message.slice(m[0].length);
    // Snowflake's compilation errors (codes 00xxxx) are raised before execution: no row has been read.
    return { keep: m[0], body, compile: (m[1] ?? '').startsWith('00') && body.startsWith('SQL compilation error') };
  }
  const m = /^([A-Za-z ]{2,40}) Error: /.exec(message);
  const errorClass = m?.[1];
  if (m === null || errorClass === undefined || !DUCKDB_CLASSES.has(errorClass)) return { keep: '', body: message, compile: false };
  return { keep: m[0], body: message.slice(m[0].length), compile: DUCKDB_COMPILE.has(errorClass) };
}

/**
 * Rebuilds a warehouse error message from an allow-list, so it cannot carry data: the error
 * class and code are kept, then each word is kept only if it is in the warehouse's fixed
 * vocabulary of error texts or — for errors raised while compiling, before any row was read —
 * a word of the submitted SQL or a bare integer (line and position numbers). Every other run
 * of words, with the punctuation between them, becomes `[…]`.
 *
 * Runtime errors (conversion, `error()`, date parsing, JSON, regex, ranges) keep vocabulary
 * words only, not the SQL's: their text is built from data, and keeping words that match the
 * SQL would let a caller confirm a guessed value by writing it into the query. DuckDB's echo
 * of the failing SQL line is dropped from them for the same reason (the caller has its SQL).
 *
 * @example
 * rebuildWarehouseMessage("Conversion Error: Could not convert string 'Amara Rossi' to INT32", 'SELECT name::INT FROM customers', 'duckdb');
 * // "Conversion Error: Could not convert string '[…]' to INT32"
 */
export function rebuildWarehouseMessage(message: string, sql: string, warehouse: 'duckdb' | 'snowflake'): string {
  const capped = message.length > 4000 ? message.slice(0, 4000) : message;
  const { keep, body, compile } = header(capped, warehouse);
  const vocabulary = WAREHOUSE_ERROR_VOCABULARY[warehouse];
  const fromSql = compile ? sqlWords(sql) : new Set<string>();
  const text = compile ? body : body.replace(/\n\s*LINE \d+:[\s\S]*$/, '');
  const rebuilt = text
    // Control characters other than line breaks and tabs carry nothing an agent needs.
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, ' ')
    .replace(WORD, (w) => (vocabulary.has(w) || (compile && (fromSql.has(w.toLowerCase()) || /^\d{1,6}$/.test(w))) ? w : HOLE))
    .replace(HOLES, HOLE)
    .split(HOLE)
    .join(ELIDED);
  return `${keep}${rebuilt}`.trimEnd();
}

function sqlWords(sql: string): Set<string> {
  const out = new Set<string>();
  for (const m of sql.matchAll(WORD)) out.add(m[0].toLowerCase());
  return out;
}
