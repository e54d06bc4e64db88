import { describe, expect, it } from 'vitest';
import { statementError } from '#shared/adapters/snowflake/snowflake-errors.js';
import { ELIDED, rebuildWarehouseMessage } from '#shared/use-cases/rebuild-warehouse-message.js';

const duck = (message: string, sql: string) => rebuildWarehouseMessage(message, sql, 'duckdb');

describe('rebuildWarehouseMessage (DuckDB texts, as DuckDB 1.5.6 wrote them against the demo data)', () => {
  it.each([
    ['Invalid Input Error: Amara Rossi', 'SELECT error(name) FROM customers', 'Invalid Input Error: […]', ['Amara', 'Rossi']],
    ['Invalid Input Error: 6341 Maple Dr 1934-08-10', "SELECT error(address || ' ' || birth_date) FROM customers", 'Invalid Input Error: […]', ['6341', 'Maple', '1934']],
    [
      'Invalid Input Error: Could not parse string "Amara Rossi" according to format specifier "%Y"\nAmara Rossi\n^\nError: Expected a number',
      "SELECT strptime(name, '%Y') FROM customers",
      // The format's letter, the line break and the echoed value run together into one hole.
      'Invalid Input Error: Could not parse string "[…]" according to format specifier "%[…]\n^\nError: Expected a number',
      ['Amara', 'Rossi'],
    ],
    [
      "Conversion Error: Could not convert string 'Amara Rossi' to INT32 when casting from source column name\n\nLINE 1: SELECT name::INTEGER FROM customers\n                   ^",
      'SELECT name::INTEGER FROM customers',
      "Conversion Error: Could not convert string '[…]' to INT32 when casting from source column name",
      ['Amara'],
    ],
    ['Invalid Input Error: Malformed JSON at byte 0 of input: unexpected character.  Input: "Amara Rossi"', 'SELECT json(name) FROM customers', 'Invalid Input Error: Malformed JSON at byte […] of input: unexpected character.  Input: "[…]"', ['Amara']],
    [
      'Conversion Error: invalid timestamp field format: "amara.rossi1@example.org", expected format is (YYYY-MM-DD HH:MM:SS[.US][±HH[:MM[:SS]]| ZONE]) when casting from source column email',
      'SELECT email::TIMESTAMP FROM customers',
      null,
      ['amara', 'rossi1', 'example.org', '@'],
    ],
    ['Invalid Input Error: missing ): Amara Rossi(', "SELECT regexp_matches('a', name || '(') FROM customers", 'Invalid Input Error: missing ): […](', ['Amara']],
    ["Conversion Error: Type INT64 with value 4000008030552868 can't be cast because the value is out of range for the destination type INT32", 'SELECT card_number::BIGINT::INTEGER FROM customers', null, ['4000008030552868']],
    ['Out of Range Error: Overflow in multiplication of INT8 (10 * 65)!', 'SELECT 10::TINYINT * ascii(name)::TINYINT FROM customers', null, ['65']],
    ["Conversion Error: Invalid character encountered in string -> bit conversion: 'A'", 'SELECT name::BIT FROM customers', null, ["'A'"]],
    ['Conversion Error: extract specifier "Amara Rossi" not recognized', 'SELECT date_part(name, birth_date) FROM customers', null, ['Amara']],
    ['Invalid Input Error: Invalid input for hex digit: m', 'SELECT unhex(name)::VARCHAR FROM customers', null, [': m']],
    ['Conversion Error: Casting value "74153.00" to type DECIMAL(3,1) failed: value is out of range! when casting from source column salary', 'SELECT salary::DECIMAL(3,1) FROM hr.employees', null, ['74153']],
  ])('%j loses its data', (message, sql, expected, forbidden) => {
    const out = duck(message, sql);
    if (expected !== null) expect(out).toBe(expected);
    for (const f of forbidden) expect(out).not.toContain(f);
    expect(out).toContain(ELIDED);
  });

  it('keeps the error class, vocabulary words and (for compile errors) the SQL words and positions', () => {
    expect(duck('Binder Error: Referenced column "nme" not found in FROM clause!\nCandidate bindings: "name", "email"\n\nLINE 1: SELECT nme FROM customers\n               ^', 'SELECT nme FROM customers')).toBe(
      'Binder Error: Referenced column "nme" not found in FROM clause!\nCandidate bindings: "name", "[…]"\n\nLINE 1: SELECT nme FROM customers\n               ^',
    );
    expect(duck('Catalog Error: Table with name custmers does not exist!\nDid you mean "customers"?', 'SELECT * FROM custmers')).toBe('Catalog Error: Table with name custmers does not exist!\nDid you mean "[…]"?');
    expect(duck('Parser Error: syntax error at or near "SELEC"', 'SELEC 1')).toBe('Parser Error: syntax error at or near "SELEC"');
  });

  it('never keeps SQL words in a runtime error, so a guessed value written into the SQL is not confirmed', () => {
    const sql = "SELECT error(name) FROM customers -- Amara Rossi, Jane Doe";
    expect(duck('Invalid Input Error: Amara Rossi', sql)).toBe('Invalid Input Error: […]');
    // A runtime message cannot pretend to be a compile error: the class comes first, from DuckDB.
    expect(duck('Invalid Input Error: Binder Error: Amara Rossi', sql)).toBe('Invalid Input Error: Binder Error: […]');
  });

  it('matches the vocabulary case-sensitively (a state code IN, a name Error-like in another case)', () => {
    expect(duck('Invalid Input Error: IN', 'SELECT error(state) FROM customers')).toBe('Invalid Input Error: […]');
    expect(duck('Invalid Input Error: in', 'SELECT error(state) FROM customers')).toBe('Invalid Input Error: in');
  });

  it('a message without a known class is a runtime message; control characters go', () => {
    expect(duck('Amara Rossi could not', 'SELECT 1')).toBe('[…] could not');
    expect(duck('Invalid Input Error: a\u0000b\u001bc', 'SELECT 1')).toBe('Invalid Input Error: a […]');
  });
});

describe('rebuildWarehouseMessage through the Snowflake adapter’s error mapping (Snowflake’s documented texts)', () => {
  const mapped = (code: string, sqlState: string, message: string, sql: string) =>
    rebuildWarehouseMessage(statementError({ name: 'OperationFailedError', code, sqlState, message, data: { queryId: 'q' } }, { secrets: [], timeoutMs: 1000 }).message, sql, 'snowflake');

  it.each([
    ['100038', '22018', "Numeric value 'Amara Rossi' is not recognized", 'SELECT name::NUMBER FROM customers', "100038 (22018): Numeric value '[…]' is not recognized", 'Amara'],
    ['100035', '22007', "Timestamp 'amara.rossi1@example.org' is not recognized", 'SELECT email::TIMESTAMP FROM customers', "100035 (22007): Timestamp '[…]' is not recognized", 'amara'],
    ['100040', '22007', "Date '324-94-9502' is not recognized", 'SELECT ssn::DATE FROM customers', "100040 (22007): Date '[…]' is not recognized", '9502'],
    ['100096', '22007', "Can't parse '6341 Maple Dr' as date with format 'YYYY-MM-DD'", "SELECT TO_DATE(address, 'YYYY-MM-DD') FROM customers", "100096 (22007): Can't parse '[…]' as date with format '[…]'", 'Maple'],
    ['100069', '22P02', "Error parsing JSON: unknown literal, pos 6 in 'Amara Rossi'", 'SELECT PARSE_JSON(name) FROM customers', null, 'Rossi'],
    ['100048', '2201B', "Invalid regular expression: 'Amara(', missing )", "SELECT RLIKE('a', name || '(') FROM customers", null, 'Amara'],
    ['100051', '22012', 'Division by zero', 'SELECT 1/0', '100051 (22012): Division by zero', '\u0000'],
    ['100078', '22000', "String '324-94-9502' is too long and would be truncated", 'SELECT ssn::VARCHAR(3) FROM customers', "100078 (22000): String '[…]' is too long and would be truncated", '324'],
    ['100071', '22000', 'Failed to cast variant value "Amara Rossi" to FIXED', 'SELECT v::NUMBER FROM t', '100071 (22000): Failed to cast variant value "[…]" to FIXED', 'Amara'],
  ])('%s %s', (code, sqlState, message, sql, expected, forbidden) => {
    const out = mapped(code, sqlState, message, sql);
    if (expected !== null) expect(out).toBe(expected);
    expect(out).not.toContain(forbidden);
    expect(out.startsWith(`${code} (${sqlState}): `)).toBe(true);
  });

  it('keeps a compilation error readable: identifiers from the SQL, positions, the vocabulary', () => {
    expect(mapped('000904', '42000', "SQL compilation error: error line 1 at position 7\ninvalid identifier 'NME'", 'SELECT nme FROM customers')).toBe(
      "000904 (42000): SQL compilation error: error line 1 at position 7\ninvalid identifier 'NME'",
    );
    expect(mapped('002003', '42S02', "SQL compilation error:\nObject 'CUSTOMRS' does not exist or not authorized.", 'SELECT * FROM customrs')).toBe(
      "002003 (42S02): SQL compilation error:\nObject 'CUSTOMRS' does not exist or not authorized.",
    );
  });
});
