import { describe, expect, it } from 'vitest';
import { lex } from '#shared/sql/lexer.js';
import { splitStatements } from '#shared/sql/split-statements.js';

const kinds = (sql: string): string[] => lex(sql).tokens.map((t) => `${t.kind}:${t.text}`);

describe('lex', () => {
  it('drops --, // and /* */ comments and lets a comment separate tokens', () => {
    expect(kinds('DROP/**/DATABASE x -- y\n// z')).toEqual(['word:DROP', 'word:DATABASE', 'word:x']);
  });

  it("reads '' and backslash escapes inside strings, and $$ as plain text there", () => {
    expect(kinds("SELECT 'it''s \\' $$ x'")).toEqual(['word:SELECT', "string:'it''s \\' $$ x'"]);
  });

  it('reads $$ strings, "quoted" identifiers with "", stages, variables and multi-char operators', () => {
    expect(kinds('$$a;b$$ "a""b" @db.s.st/p/f.csv @~ @%t $x $1 :: || ->> =>')).toEqual([
      'dollar:$$a;b$$', 'quoted:"a""b"', 'stage:@db.s.st/p/f.csv', 'stage:@~', 'stage:@%t', 'variable:$x', 'variable:$1',
      'punct:::', 'punct:||', 'punct:->>', 'punct:=>',
    ]);
  });

  it('records 1-based line and column and 0-based offsets', () => {
    const t = lex('SELECT 1\n  FROM t').tokens[2];
    expect(t).toMatchObject({ text: 'FROM', line: 2, column: 3, start: 11, end: 15 });
  });

  it('does not nest block comments: the first */ closes', () => {
    expect(kinds('/* /* */ x */')).toEqual(['word:x', 'punct:*', 'punct:/']);
  });

  it.each([
    ['NBSP', 'SELECT\u00a01', 6],
    ['zero-width space', 'SELECT 1\u200b', 8],
    ['BOM', '\ufeffSELECT 1', 0],
    ['form feed', 'SELECT\f1', 6],
    ['NUL', 'SELECT 1\u0000', 8],
    ['full-width semicolon', 'SELECT 1\uff1b', 8],
    ['Cyrillic homoglyph', 'S\u0415LECT 1', 1],
    ['lone surrogate', 'SELECT \ud800', 7],
  ])('rejects %s outside strings with its offset', (_name, sql, offset) => {
    const { errors } = lex(sql);
    expect(errors[0]?.offset).toBe(offset);
  });

  it('a run of characters not allowed is one bad token and one error naming the first and counting the rest', () => {
    const { tokens, errors } = lex(`SELECT 1 ${'\u0000'.repeat(65_536)} x`);
    expect(tokens.filter((t) => t.kind === 'bad').map((t) => [t.start, t.end])).toEqual([[9, 9 + 65_536]]);
    expect(errors.map((e) => [e.offset, e.message])).toEqual([[9, 'character U+0000 (NUL) and the 65535 after it are not allowed outside strings, quoted identifiers and comments']]);
    // Separated by allowed characters, each is its own.
    const apart = lex('SELECT \u0000a\u200bb\u00a0');
    expect(apart.tokens.filter((t) => t.kind === 'bad').map((t) => t.start)).toEqual([7, 9, 11]);
    expect(apart.errors.map((e) => e.message.split(' is not')[0])).toEqual(['character U+0000 (NUL)', 'character U+200B (zero-width space)', 'character U+00A0 (no-break space)']);
  });

  it('accepts non-ASCII inside strings, quoted identifiers and comments', () => {
    expect(lex("SELECT 'ünï\u00a0' AS \"Ж\" -- ；").errors).toEqual([]);
  });

  it.each(["SELECT 'abc", 'SELECT "abc', 'SELECT 1 /* x', 'SELECT $$x'])('reports unterminated constructs: %s', (sql) => {
    expect(lex(sql).errors.length).toBe(1);
  });
});

describe('splitStatements', () => {
  const count = (sql: string): number => splitStatements(lex(sql).tokens).length;

  it('splits on ; and ->> outside strings, identifiers and comments, ignoring empty pieces', () => {
    expect(count("SELECT ';'; SELECT \";\" -- ;\n;;")).toBe(2);
    expect(count('SHOW TABLES ->> SELECT 1')).toBe(2);
    expect(count('SELECT 1; -- done')).toBe(1);
  });

  it('keeps anonymous blocks whole but splits bare transaction control', () => {
    expect(count('BEGIN SELECT 1; IF (x) THEN RETURN 1; END IF; END; SELECT 2')).toBe(2);
    expect(count('DECLARE c INT; BEGIN c := 1; END;')).toBe(1);
    expect(count('BEGIN; DELETE FROM t; COMMIT;')).toBe(3);
    expect(count('BEGIN TRANSACTION; SELECT 1')).toBe(2);
  });

  it('tracks nested Snowflake Scripting constructs (END CASE, END IF, loops, inner BEGIN … EXCEPTION … END)', () => {
    const block = [
      'DECLARE c1 CURSOR FOR SELECT * FROM t; total INT DEFAULT 0;',
      'BEGIN',
      '  FOR rec IN c1 DO total := total + rec.x; END FOR;',
      "  CASE (total) WHEN 0 THEN RETURN 'zero'; ELSE RETURN 'n'; END CASE;",
      '  WHILE (total > 0) DO total := total - 1; END WHILE;',
      '  REPEAT total := total + 1; UNTIL (total > 5) END REPEAT;',
      '  LOOP BREAK; END LOOP;',
      '  IF (total > 1) THEN RETURN 1; ELSE RETURN 2; END IF;',
      "  BEGIN SELECT 1; EXCEPTION WHEN OTHER THEN RETURN 'err'; END;",
      'END;',
      'SELECT 1;',
    ].join('\n');
    expect(count(block)).toBe(2);
  });

  it('does not treat an alias named BEGIN as a block', () => {
    expect(count('SELECT 1 AS begin; DROP DATABASE x')).toBe(2);
  });
});
