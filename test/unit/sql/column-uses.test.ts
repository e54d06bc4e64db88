import { describe, expect, it } from 'vitest';
import { CachedCatalog } from '#shared/adapters/catalog/cached-catalog.js';
import { columnSensitivity } from '#shared/masking/column-sensitivity.js';
import type { ColumnRule } from '#shared/masking/types.js';
import { classify } from '#shared/sql/classify.js';
import { analyzeColumnUses, type ColumnUses } from '#shared/sql/column-uses.js';
import { lex } from '#shared/sql/lexer.js';

const RULES: ColumnRule[] = [
  { pattern: 'CUSTOMERS.NAME', rule: 'pseudonym' },
  { pattern: 'EMAIL', rule: 'pseudonym' },
  { pattern: '*_EMAIL', rule: 'pseudonym' },
  { pattern: 'PHONE', rule: 'partial' },
  { pattern: 'SSN', rule: 'redact' },
  { pattern: 'ADDRESS', rule: 'redact' },
  { pattern: 'BIRTH_DATE', rule: 'redact' },
];

const catalog = new CachedCatalog({
  clock: { now: () => new Date(0) },
  load: async () => [
    { database: 'demo', schema: 'main', name: 'customers', columns: ['id', 'name', 'email', 'phone', 'ssn', 'birth_date', 'address', 'city', 'state'] },
    { database: 'demo', schema: 'main', name: 'orders', columns: ['id', 'customer_id', 'customer_email', 'amount', 'status'] },
    { database: 'demo', schema: 'main', name: 'products', columns: ['id', 'name', 'price'] },
  ],
});

async function uses(sql: string): Promise<ColumnUses> {
  const st = classify(sql).statements[0]!;
  const sens = await columnSensitivity(st.objects, RULES, catalog);
  return analyzeColumnUses(lex(sql).tokens, sens);
}
const inference = async (sql: string): Promise<string[]> => (await uses(sql)).inference.map((u) => `${u.column}@${u.clause}`);
const opaque = async (sql: string): Promise<number> => (await uses(sql)).opaque.length;

describe('analyzeColumnUses: inference uses (a sensitive column shapes which rows come back, or their order)', () => {
  it.each([
    ["SELECT id FROM customers WHERE substr(ssn,1,1) IN ('1','2','3')", 'SSN@WHERE'],
    ['SELECT c.id FROM customers c JOIN (SELECT 1 AS i) p ON 1=1 JOIN (SELECT \'a\' AS c) ch ON substr(c.email, p.i, 1) = ch.c', 'EMAIL@JOIN … ON'],
    ['SELECT id FROM customers ORDER BY email', 'EMAIL@ORDER BY'],
    ['SELECT count(*) FROM customers GROUP BY left(ssn, 3)', 'SSN@GROUP BY'],
    ['SELECT state FROM customers GROUP BY state HAVING max(birth_date) > DATE \'1990-01-01\'', 'BIRTH_DATE@HAVING'],
    ['SELECT id FROM customers QUALIFY row_number() OVER (PARTITION BY email ORDER BY id) = 1', 'EMAIL@OVER (…)'],
    ['SELECT id, rank() OVER (ORDER BY ssn) AS r FROM customers', 'SSN@OVER (…)'],
    ["SELECT array_agg(id) FILTER (WHERE ssn LIKE '9%') FROM customers", 'SSN@FILTER (…)'],
    ["WITH t AS (SELECT id, ssn AS s FROM customers) SELECT id FROM t WHERE s LIKE '1%'", 'S@WHERE'],
    ["SELECT id FROM customers c WHERE EXISTS (SELECT 1 FROM customers d WHERE d.ssn LIKE '1%')", 'SSN@WHERE'],
    ['SELECT f.value FROM customers c, LATERAL FLATTEN(input => SPLIT(c.email, \'\')) f', 'EMAIL@table function arguments'],
    ['SELECT id FROM customers LIMIT (SELECT length(max(email)) FROM customers)', 'EMAIL@a subquery in LIMIT'],
    ['SELECT id, email FROM customers ORDER BY 2', 'output column 2@ORDER BY'],
    ['SELECT id, email FROM customers ORDER BY ALL', 'every output column@ORDER BY ALL'],
    ["SELECT id FROM customers NATURAL JOIN (SELECT 'x' AS ssn) s", 'every same-named column@NATURAL JOIN'],
    ['SELECT id FROM customers JOIN orders USING (id, customer_email)', 'CUSTOMER_EMAIL@USING'],
    ["SELECT id FROM customers WHERE \"SSN\" > '5'", 'SSN@WHERE'],
    ["SELECT id FROM customers WHERE name = 'x'", 'NAME@WHERE'],
  ])('%s → %s', async (sql, expected) => {
    expect(await inference(sql)).toContain(expected);
  });

  it('an equality between two base columns under the same pseudonym rule is not one', async () => {
    expect(await inference('SELECT o.id FROM orders o JOIN customers c ON o.customer_email = c.email')).toEqual([]);
    expect(await inference('SELECT a.id FROM customers a JOIN customers b ON a.email = b.email WHERE a.id > 3')).toEqual([]);
  });

  it('an equality with a literal table, a CTE or another rule is one', async () => {
    expect(await inference("WITH x AS (SELECT 'a@b.c' AS email) SELECT c.id FROM customers c JOIN x ON x.email = c.email")).toContain('EMAIL@JOIN … ON');
    expect(await inference('SELECT c.id FROM customers c JOIN customers d ON c.ssn = d.ssn')).toContain('SSN@JOIN … ON');
    expect(await inference("SELECT c.id FROM customers c JOIN orders o ON c.email = o.customer_email || ''")).not.toEqual([]);
  });

  it('outputs are not inference uses, and names that only look alike are not sensitive', async () => {
    expect(await inference('SELECT id, name, email, phone FROM customers ORDER BY id LIMIT 3')).toEqual([]);
    expect(await inference('SELECT upper(email) AS e, left(ssn, 3) FROM customers')).toEqual([]);
    expect(await inference("SELECT name FROM products WHERE name LIKE 'a%' ORDER BY name")).toEqual([]);
    expect(await inference('SELECT count(*) FROM customers GROUP BY state')).toEqual([]);
    expect(await uses('SELECT 1 AS x')).toEqual({ inference: [], opaque: [], touchesSensitive: false });
  });

  it('positions name the line and column of the use', async () => {
    const u = await uses('SELECT c.id\nFROM customers c\nJOIN orders o ON substr(c.email, 1, 1) = \'a\'');
    expect(u.inference[0]).toMatchObject({ column: 'EMAIL', clause: 'JOIN … ON', at: { line: 3, column: 27 } });
  });

  it('treats every column of a table the catalog does not know as sensitive', async () => {
    expect(await inference('SELECT id FROM nosuch WHERE x = 1')).toEqual(['X@WHERE']);
    expect((await uses('SELECT a FROM nosuch')).touchesSensitive).toBe(true);
  });
});

describe('analyzeColumnUses: constructs the parse cannot follow', () => {
  it.each([
    'SELECT c FROM customers c',
    'SELECT to_json(c) FROM customers c',
    'SELECT customers FROM customers',
    'SELECT * FROM customers AS t(a1, a2)',
    'WITH t(a, b) AS (SELECT email, id FROM customers) SELECT a FROM t',
    "SELECT COLUMNS('na.*') FROM customers",
    'SELECT OBJECT_CONSTRUCT(*) FROM customers',
    'SELECT ARRAY_CONSTRUCT(*) FROM customers',
    'SELECT HASH(c.*) FROM customers c',
    'SELECT $2 FROM customers',
    'SELECT * FROM customers UNPIVOT(v FOR k IN (name, address))',
    'SELECT * FROM customers PIVOT(max(ssn) FOR state IN (\'CA\'))',
    'SELECT * FROM customers MATCH_RECOGNIZE (ORDER BY id MEASURES ssn AS s PATTERN (a) DEFINE a AS true)',
    "SELECT * FROM TABLE(RESULT_SCAN('01ab'))",
    "SELECT * FROM read_text('/etc/passwd')",
    'SELECT * REPLACE (substr(ssn,1,3) AS name) FROM customers',
    'SELECT * RENAME (email AS note) FROM customers',
    'SELECT 1 AS a UNION ALL BY NAME SELECT email AS a FROM customers',
    "SELECT x FROM (VALUES ('a')) v(x) JOIN customers c ON true",
  ])('%s is opaque', async (sql) => {
    expect(await opaque(sql)).toBeGreaterThan(0);
  });

  it('count(*), t.* and multiplication are not', async () => {
    expect(await opaque('SELECT count(*), c.*, id * 2 AS d FROM customers c')).toBe(0);
    expect(await opaque('SELECT * EXCLUDE (ssn) FROM customers')).toBe(0);
  });

  it('opaque constructs over tables without sensitive columns need nothing', async () => {
    expect(await opaque('SELECT p FROM products p')).toBe(0);
    expect(await opaque('SELECT * FROM (VALUES (1)) v(x)')).toBe(0);
  });
});

describe('CachedCatalog', () => {
  it('caches for its TTL, reloads after it, and reloads on a miss at most every missRefreshMs', async () => {
    let now = 0;
    let loads = 0;
    let tables = [{ database: 'D', schema: 'S', name: 'A', columns: ['X'] }];
    const c = new CachedCatalog({ clock: { now: () => new Date(now) }, ttlMs: 1000, missRefreshMs: 100, load: async () => (loads++, tables) });
    expect(await c.tables(['a'])).toHaveLength(1);
    expect(await c.tables(['s', 'A'])).toHaveLength(1);
    expect(await c.tables(['other', 'S', 'A'])).toBeNull();
    expect(loads).toBe(1);
    tables = [...tables, { database: 'D', schema: 'S', name: 'B', columns: ['Y'] }];
    expect(await c.tables(['B'])).toBeNull(); // a miss right after a load does not reload
    now = 150;
    expect(await c.tables(['B'])).toHaveLength(1); // a later miss does
    expect(loads).toBe(2);
    now = 2000;
    await c.tables(['A']);
    expect(loads).toBe(3);
  });

  it('shares one load between concurrent lookups and propagates a failure', async () => {
    let loads = 0;
    const c = new CachedCatalog({ clock: { now: () => new Date(0) }, load: async () => (loads++, []) });
    await Promise.all([c.tables(['A']), c.tables(['B']), c.tables(['C'])]);
    expect(loads).toBe(1);
    const broken = new CachedCatalog({ clock: { now: () => new Date(0) }, load: async () => { throw new Error('down'); } });
    await expect(broken.tables(['A'])).rejects.toThrow('down');
  });
});

describe('analyzeColumnUses: hostile sizes stay linear', () => {
  const sens = { columnRule: (n: string) => (n === 'SSN' ? 'redact' : undefined), any: true, tables: new Map(), unknownTable: false };
  it.each([
    ['50,000 stars in one call', `SELECT f(${Array(50_000).fill('*').join(',')}) FROM t`],
    ['30,000 nested calls', `SELECT ${'f(ssn, '.repeat(30_000)}1${')'.repeat(30_000)} FROM t`],
    ['20,000 uses in WHERE', `SELECT a FROM t WHERE ${Array(20_000).fill('ssn').join(' + ')} > 0`],
  ])('%s', (_, sql) => {
    const started = Date.now();
    const r = analyzeColumnUses(lex(sql).tokens, sens);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(r.inference.length + r.opaque.length).toBeLessThanOrEqual(100);
  }, 30_000);
});
