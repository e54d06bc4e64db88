/**
 * Deterministic generators for the demo warehouse: one seeded PRNG (mulberry32), no
 * Math.random and no wall clock, so two seeds produce byte-identical tables.
 * Every identifier is fictional: example.* domains (RFC 2606), 555-01xx phone
 * numbers, test-card prefixes, SSNs in valid format.
 *
 * @example
 * const rng = new DemoRandom(42);
 * rng.ssn(); // '512-37-0981'
 */
export class DemoRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1) — mulberry32. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }

  /** Area 001–899 except 666, group 01–99, serial 0001–9999: valid format, issued or not. */
  ssn(): string {
    let area = this.int(1, 899);
    if (area === 666) area = 667;
    return `${pad(area, 3)}-${pad(this.int(1, 99), 2)}-${pad(this.int(1, 9999), 4)}`;
  }

  /** A Luhn-valid 16-digit number on the well-known test prefixes. */
  cardNumber(): string {
    const body = this.pick(CARD_PREFIXES) + this.digits(9);
    return body + luhnCheckDigit(body);
  }

  /** 555-0100…0199 is reserved for fiction in every North American area code. */
  phone(): string {
    const area = this.pick(AREA_CODES);
    const line = `555-01${pad(this.int(0, 99), 2)}`;
    return this.chance(0.5) ? `+1-${area}-${line}` : `(${area}) ${line}`;
  }
}

export function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function luhnCheckDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    // Double every second digit counting from the right of the full number (check digit excluded).
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

export function isLuhnValid(n: string): boolean {
  return /^\d{2,}$/.test(n) && luhnCheckDigit(n.slice(0, -1)) === n.slice(-1);
}

const CARD_PREFIXES = ['411111', '555555', '400000', '520082'] as const;
const AREA_CODES = ['212', '312', '415', '617', '206', '303', '512', '404', '305', '702'] as const;

export const FIRST_NAMES = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
  'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Carlos', 'Karen',
  'Daniel', 'Lisa', 'Matthew', 'Nancy', 'Anthony', 'Betty', 'Mark', 'Sandra', 'Wei', 'Ashley',
  'Priya', 'Emily', 'Ahmed', 'Sofia', 'Kenji', 'Olivia', 'Luis', 'Fatima', 'Noah', 'Amara',
] as const;

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Nguyen', 'Patel', 'Kim', 'Chen', 'Okafor', 'Schmidt', 'Rossi', 'Tanaka', 'Novak', 'Silva',
] as const;

export const STREETS = [
  'Main St', 'Oak Ave', 'Maple Dr', 'Cedar Ln', 'Pine St', 'Elm St', 'Washington Blvd', 'Lake Shore Dr',
  'Park Ave', 'Sunset Blvd', 'Mission St', 'Broadway', 'Highland Ave', 'River Rd', 'Hillcrest Way',
] as const;

/** [city, state, postal code prefix] */
export const CITIES = [
  ['New York', 'NY', '100'], ['Chicago', 'IL', '606'], ['San Francisco', 'CA', '941'], ['Boston', 'MA', '021'],
  ['Seattle', 'WA', '981'], ['Denver', 'CO', '802'], ['Austin', 'TX', '787'], ['Atlanta', 'GA', '303'],
  ['Miami', 'FL', '331'], ['Las Vegas', 'NV', '891'], ['Portland', 'OR', '972'], ['Phoenix', 'AZ', '850'],
] as const;

export const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net'] as const;
export const SEGMENTS = ['consumer', 'small_business', 'enterprise'] as const;
export const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'delivered', 'delivered', 'refunded', 'cancelled'] as const;
export const TICKET_STATUSES = ['open', 'pending', 'solved', 'solved', 'closed'] as const;
export const PRIORITIES = ['low', 'normal', 'normal', 'high', 'urgent'] as const;
export const DEPARTMENTS = ['Engineering', 'Sales', 'Finance', 'Support', 'Marketing', 'People'] as const;
export const TITLES = ['Analyst', 'Engineer', 'Senior Engineer', 'Manager', 'Director', 'Specialist'] as const;

/** [category, product nouns, price range in cents] */
export const CATEGORIES = [
  ['Electronics', ['Headphones', 'Speaker', 'Charger', 'Webcam', 'Monitor'], [1999, 49999]],
  ['Home', ['Lamp', 'Kettle', 'Blender', 'Rug', 'Throw Pillow'], [999, 19999]],
  ['Office', ['Notebook', 'Desk Chair', 'Stapler', 'Standing Desk', 'Pen Set'], [299, 59999]],
  ['Outdoor', ['Tent', 'Backpack', 'Water Bottle', 'Hiking Poles', 'Camp Stove'], [1499, 39999]],
  ['Apparel', ['Rain Jacket', 'Hoodie', 'Running Shoes', 'Beanie', 'Socks'], [799, 17999]],
] as const;
export const ADJECTIVES = ['Classic', 'Pro', 'Compact', 'Deluxe', 'Eco', 'Ultra', 'Everyday', 'Premium'] as const;

export const TICKET_SUBJECTS = [
  'Refund request for order #{order}',
  'Package never arrived (order #{order})',
  'Charged twice on my card',
  'Cannot log in to my account',
  'Change shipping address',
  'Damaged item received',
  'Question about invoice',
  'Cancel my subscription',
] as const;
