import {
  DuckDBInstance,
  DuckDBDecimalValue,
  DuckDBDateValue,
  DuckDBTimestampValue,
  type DuckDBAppender,
  type DuckDBConnection,
} from '@duckdb/node-api';
import {
  ADJECTIVES,
  CATEGORIES,
  CITIES,
  DEPARTMENTS,
  DemoRandom,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  LAST_NAMES,
  ORDER_STATUSES,
  PRIORITIES,
  SEGMENTS,
  STREETS,
  TICKET_STATUSES,
  TITLES,
  pad,
} from './demo-data.js';
import { DEMO_DDL, DEMO_ROW_COUNTS } from './demo-schema.js';
import { ticketBody, ticketSubject } from './demo-tickets.js';

export const DEMO_SEED = 20_241_127;
// A fixed "now" keeps the data independent of when it is seeded: 2025-06-30T00:00:00Z.
const NOW_MICROS = 1_751_241_600_000_000n;
const DAY_MICROS = 86_400_000_000n;

export interface SeedOutcome {
  seeded: boolean;
  durationMs: number;
}

/**
 * Creates the demo tables in the DuckDB file at `path` on first start; a database that
 * already has them is left alone (idempotent). Call it before `DuckDbWarehouse.open`:
 * it opens its own instance and closes it, since one file takes one instance at a time.
 * Needs no external access, so the seeding instance is sandboxed like the warehouse.
 *
 * @example
 * await seedDemo(join(dataDir, 'warehouse.duckdb'));
 * const warehouse = await DuckDbWarehouse.open({ path: join(dataDir, 'warehouse.duckdb') });
 */
export async function seedDemo(path: string): Promise<SeedOutcome> {
  const instance = await DuckDBInstance.create(path, { enable_external_access: 'false', autoload_known_extensions: 'false' });
  try {
    const connection = await instance.connect();
    try {
      return await seedDemoInto(connection);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/**
 * Seeds through an open connection. Runs in one transaction, so a crash mid-seed leaves
 * nothing half-made and the next start seeds again.
 */
export async function seedDemoInto(connection: DuckDBConnection): Promise<SeedOutcome> {
  const started = performance.now();
  const existing = await connection.runAndReadAll(
    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = 'customers'",
  );
  if (Number(existing.getRows()[0]?.[0] ?? 0) > 0) return { seeded: false, durationMs: 0 };
  await connection.run('BEGIN TRANSACTION');
  try {
    for (const ddl of DEMO_DDL) await connection.run(ddl);
    const rng = new DemoRandom(DEMO_SEED);
    const prices = await appendProducts(connection, rng);
    await appendCustomers(connection, rng);
    await appendOrders(connection, rng, prices);
    await appendTickets(connection, rng);
    await appendEmployees(connection, rng);
    await connection.run('COMMIT');
  } catch (e) {
    await connection.run('ROLLBACK');
    throw e;
  }
  return { seeded: true, durationMs: Math.round(performance.now() - started) };
}

async function withAppender(connection: DuckDBConnection, table: string, schema: string, fill: (a: DuckDBAppender) => void): Promise<void> {
  const appender = await connection.createAppender(table, schema);
  try {
    fill(appender);
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

function money(cents: number, width = 10): DuckDBDecimalValue {
  return new DuckDBDecimalValue(BigInt(cents), width, 2);
}

function daysAgo(rng: DemoRandom, maxDays: number): bigint {
  return NOW_MICROS - BigInt(rng.int(1, maxDays)) * DAY_MICROS - BigInt(rng.int(0, 86_399)) * 1_000_000n;
}

async function appendProducts(connection: DuckDBConnection, rng: DemoRandom): Promise<number[]> {
  const prices: number[] = [];
  await withAppender(connection, 'products', 'main', (a) => {
    for (let id = 1; id <= DEMO_ROW_COUNTS.products; id++) {
      const [category, nouns, [lo, hi]] = rng.pick(CATEGORIES);
      const price = Math.round(rng.int(lo, hi) / 100) * 100 - 1;
      prices.push(price);
      a.appendInteger(id);
      a.appendVarchar(`${category.slice(0, 3).toUpperCase()}-${pad(id, 5)}`);
      a.appendVarchar(`${rng.pick(ADJECTIVES)} ${rng.pick(nouns)}`);
      a.appendVarchar(category);
      a.appendDecimal(money(price));
      a.appendBoolean(rng.chance(0.9));
      a.endRow();
    }
  });
  return prices;
}

async function appendCustomers(connection: DuckDBConnection, rng: DemoRandom): Promise<void> {
  await withAppender(connection, 'customers', 'main', (a) => {
    for (let id = 1; id <= DEMO_ROW_COUNTS.customers; id++) {
      const first = rng.pick(FIRST_NAMES);
      const last = rng.pick(LAST_NAMES);
      const [city, state, zip] = rng.pick(CITIES);
      a.appendInteger(id);
      a.appendVarchar(`${first} ${last}`);
      a.appendVarchar(`${first.toLowerCase()}.${last.toLowerCase()}${id}@${rng.pick(EMAIL_DOMAINS)}`);
      a.appendVarchar(rng.phone());
      a.appendVarchar(rng.ssn());
      a.appendVarchar(rng.cardNumber());
      a.appendDate(new DuckDBDateValue(rng.int(-20_000, -6_600))); // born 1915–2001
      a.appendVarchar(`${rng.int(1, 9999)} ${rng.pick(STREETS)}`);
      a.appendVarchar(city);
      a.appendVarchar(state);
      a.appendVarchar(`${zip}${pad(rng.int(0, 99), 2)}`);
      a.appendVarchar('US');
      a.appendVarchar(rng.pick(SEGMENTS));
      a.appendTimestamp(new DuckDBTimestampValue(daysAgo(rng, 1_500)));
      a.endRow();
    }
  });
}

async function appendOrders(connection: DuckDBConnection, rng: DemoRandom, prices: number[]): Promise<void> {
  await withAppender(connection, 'orders', 'main', (a) => {
    for (let id = 1; id <= DEMO_ROW_COUNTS.orders; id++) {
      const productId = rng.int(1, prices.length);
      const quantity = rng.chance(0.8) ? 1 : rng.int(2, 5);
      const status = rng.pick(ORDER_STATUSES);
      const created = daysAgo(rng, 720);
      a.appendInteger(id);
      a.appendInteger(rng.int(1, DEMO_ROW_COUNTS.customers));
      a.appendInteger(productId);
      a.appendInteger(quantity);
      a.appendDecimal(money((prices[productId - 1] ?? 0) * quantity));
      a.appendVarchar('USD');
      a.appendVarchar(status);
      a.appendTimestamp(new DuckDBTimestampValue(created));
      if (status === 'shipped' || status === 'delivered') {
        a.appendTimestamp(new DuckDBTimestampValue(created + BigInt(rng.int(1, 4)) * DAY_MICROS));
      } else {
        a.appendNull();
      }
      a.endRow();
    }
  });
}

async function appendTickets(connection: DuckDBConnection, rng: DemoRandom): Promise<void> {
  await withAppender(connection, 'support_tickets', 'main', (a) => {
    for (let id = 1; id <= DEMO_ROW_COUNTS.support_tickets; id++) {
      const customerId = rng.int(1, DEMO_ROW_COUNTS.customers);
      const orderId = rng.int(1, DEMO_ROW_COUNTS.orders);
      a.appendInteger(id);
      a.appendInteger(customerId);
      a.appendVarchar(ticketSubject(rng, orderId));
      a.appendVarchar(ticketBody(rng, orderId));
      a.appendVarchar(rng.pick(PRIORITIES));
      a.appendVarchar(rng.pick(TICKET_STATUSES));
      a.appendTimestamp(new DuckDBTimestampValue(daysAgo(rng, 365)));
      a.endRow();
    }
  });
}

async function appendEmployees(connection: DuckDBConnection, rng: DemoRandom): Promise<void> {
  await withAppender(connection, 'employees', 'hr', (a) => {
    for (let id = 1; id <= DEMO_ROW_COUNTS.employees; id++) {
      const first = rng.pick(FIRST_NAMES);
      const last = rng.pick(LAST_NAMES);
      a.appendInteger(id);
      a.appendVarchar(`${first} ${last}`);
      a.appendVarchar(`${first.toLowerCase()}.${last.toLowerCase()}@corp.example.com`);
      a.appendVarchar(rng.pick(TITLES));
      a.appendVarchar(rng.pick(DEPARTMENTS));
      a.appendDecimal(money(rng.int(55_000, 240_000) * 100, 12));
      a.appendVarchar(rng.ssn());
      a.appendDate(new DuckDBDateValue(rng.int(15_000, 20_000))); // hired 2011–2024
      if (id === 1) a.appendNull();
      else a.appendInteger(rng.int(1, Math.max(1, Math.min(id - 1, 10))));
      a.endRow();
    }
  });
}
