// Spreadsheet programs run a cell that starts with one of these as a formula (CSV injection,
// OWASP). A leading apostrophe makes them show the text instead; the records keep the original.
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell: formula-looking text neutralised with a leading `'`, then RFC 4180 quoting
 * (quoted when it holds `,` `"` CR or LF; `"` doubled). null/undefined are empty cells.
 *
 * @example
 * csvCell('=HYPERLINK("x")'); // "\"'=HYPERLINK(\"\"x\"\")\""
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (typeof value === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line with RFC 4180's CRLF ending. */
export function csvRow(cells: ReadonlyArray<string | number | boolean | null | undefined>): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
