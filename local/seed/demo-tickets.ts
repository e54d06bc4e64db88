import { DemoRandom, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, TICKET_SUBJECTS } from './demo-data.js';

/** A ticket subject, sometimes naming the order. */
export function ticketSubject(rng: DemoRandom, orderId: number): string {
  return rng.pick(TICKET_SUBJECTS).replace('{order}', String(orderId));
}

const OPENINGS = [
  'Hi, I ordered last week and',
  'Hello support team,',
  'This is the third time I am writing about this.',
  'Good morning,',
  'Hey there -',
] as const;

const PROBLEMS = [
  'order #{order} still shows as pending and nobody answers my emails.',
  'the item in order #{order} arrived broken.',
  'I was charged twice for order #{order}.',
  'I moved and need the delivery for order #{order} sent to my new address.',
  'I cannot reset my password; the reset email never arrives.',
] as const;

/**
 * Free text the way customers write it: contact details inline, and now and then a
 * full card number pasted where it should never be — the masking demo needs both.
 */
export function ticketBody(rng: DemoRandom, orderId: number): string {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const email = `${first.toLowerCase()}.${last.toLowerCase()}@${rng.pick(EMAIL_DOMAINS)}`;
  const parts = [rng.pick(OPENINGS), rng.pick(PROBLEMS).replace('{order}', String(orderId))];
  if (rng.chance(0.7)) parts.push(`You can reach me at ${email} or call ${rng.phone()}.`);
  else parts.push(`Please reply to ${email}.`);
  if (rng.chance(0.15)) parts.push(`The card I used was ${rng.cardNumber()}, exp ${rng.int(1, 12)}/${rng.int(26, 30)}.`);
  if (rng.chance(0.05)) parts.push(`My SSN is ${rng.ssn()} if you need to verify me.`);
  parts.push(`Thanks, ${first}`);
  return parts.join(' ');
}
