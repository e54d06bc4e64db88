/**
 * The demo warehouse's tables. Column names avoid words reserved in Snowflake or
 * DuckDB, so README SQL runs unchanged on both.
 */
export const DEMO_ROW_COUNTS = {
  customers: 5_000,
  orders: 20_000,
  products: 200,
  support_tickets: 2_000,
  employees: 120,
} as const;

export const DEMO_DDL: readonly string[] = [
  `CREATE TABLE products (
    id INTEGER PRIMARY KEY, sku VARCHAR NOT NULL, name VARCHAR NOT NULL, category VARCHAR NOT NULL,
    price DECIMAL(10,2) NOT NULL, active BOOLEAN NOT NULL)`,
  `CREATE TABLE customers (
    id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, email VARCHAR NOT NULL, phone VARCHAR, ssn VARCHAR,
    card_number VARCHAR, birth_date DATE, address VARCHAR, city VARCHAR, state VARCHAR, postal_code VARCHAR,
    country VARCHAR, segment VARCHAR, created_at TIMESTAMP NOT NULL)`,
  `CREATE TABLE orders (
    id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, product_id INTEGER NOT NULL, quantity INTEGER NOT NULL,
    amount DECIMAL(10,2) NOT NULL, currency VARCHAR NOT NULL, status VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL, shipped_at TIMESTAMP)`,
  `CREATE TABLE support_tickets (
    id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, subject VARCHAR NOT NULL, body VARCHAR NOT NULL,
    priority VARCHAR NOT NULL, status VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)`,
  'CREATE SCHEMA hr',
  `CREATE TABLE hr.employees (
    id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, email VARCHAR NOT NULL, title VARCHAR, department VARCHAR,
    salary DECIMAL(12,2) NOT NULL, ssn VARCHAR, hired_on DATE, manager_id INTEGER)`,
];

const DESCRIPTIONS: Record<keyof typeof DEMO_ROW_COUNTS, string> = {
  customers: 'id, name, email, phone, ssn, card_number, birth_date, address, city, state, postal_code, country, segment, created_at',
  orders: 'id, customer_id, product_id, quantity, amount, currency, status, created_at, shipped_at',
  products: 'id, sku, name, category, price, active',
  support_tickets: 'id, customer_id, subject, body (free text with emails, phones, card numbers), priority, status, created_at',
  employees: 'id, name, email, title, department, salary, ssn, hired_on, manager_id',
};

/**
 * A short description of the demo tables for the README and the startup banner.
 *
 * @example
 * console.log(describeDemoTables());
 */
export function describeDemoTables(): string {
  const lines = (Object.keys(DEMO_ROW_COUNTS) as (keyof typeof DEMO_ROW_COUNTS)[]).map((table) => {
    const qualified = table === 'employees' ? 'hr.employees' : table;
    return `  ${qualified.padEnd(16)} ${DEMO_ROW_COUNTS[table].toLocaleString('en-US').padStart(6)} rows  (${DESCRIPTIONS[table]})`;
  });
  return `Demo warehouse (DuckDB, catalog "warehouse"):\n${lines.join('\n')}`;
}
