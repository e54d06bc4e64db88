import cardValidator from 'card-validator';
import { digitsOnly, type Detector, type Span } from './detector.js';

// A maximal run of digits joined by single spaces, dashes or dots, not glued to a letter
// before it (the digits of "CY17 0020 A128 0000 …" are part of an account or reference code,
// not a card). Deterministic (each step is "optional separator, then a digit") and runs never
// overlap, so the scan is linear.
const RUN = /(?<![\dA-Za-z])\d(?:[ .-]?\d)*/g;

const IBAN_HEAD = /^[A-Z]{2}\d{2}[ -]$/;

/** Maestro numbers can be 12 digits long. */
const MIN_DIGITS = 12;
const MAX_DIGITS = 19;
/** Card numbers are printed in groups of 4–6 (4-4-4-4, 4-6-5, 4-4-4-4-3); smaller groups are tables of small numbers. */
const MIN_GROUP = 3;

/** Luhn (mod 10) over a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 0x30;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * A card number: Luhn-valid, not one repeated digit, and either a brand `card-validator`
 * recognises with one of its lengths (Maestro 12–19, Amex 15, Visa 16/18/19 …), a 13–19
 * digit number in the IIN ranges 2–6 (Mastercard 2-series, Amex/Diners/JCB, Visa,
 * Mastercard, Discover/UnionPay: kept so an unlisted co-brand is not missed), or a
 * 15-digit UATP number (IIN 1), which `card-validator` does not list.
 */
function validCard(digits: string): boolean {
  if (!luhnValid(digits) || /^(\d)\1+$/.test(digits)) return false;
  const first = digits.charCodeAt(0);
  if (digits.length >= 13 && first >= 0x32 && first <= 0x36) return true;
  if (digits.length === 15 && first === 0x31) return true;
  return cardValidator.number(digits).isValid;
}

/**
 * Whether some window of whole digit groups in the run, 13–19 digits long, is a card.
 * Each window start extends over at most 19 digits, so the work stays linear in the run.
 */
function runHoldsCard(run: string): boolean {
  const groups = run.split(/[ .-]/);
  for (let i = 0; i < groups.length; i++) {
    let digits = '';
    for (let j = i; j < groups.length; j++) {
      const group = groups[j] ?? '';
      if (group.length < MIN_GROUP) break;
      digits += group;
      if (digits.length > MAX_DIGITS) break;
      if (digits.length >= MIN_DIGITS && validCard(digits)) return true;
    }
  }
  return false;
}

/**
 * Payment card numbers: 12–19 digits, optionally grouped by spaces, dashes or dots, Luhn-valid.
 * When a card sits inside a longer run of digit groups ("2024-01-15 4242 4242 4242 4242",
 * a phone number right before it), the whole run is the detection: picking one Luhn-valid
 * window out of several would be a guess, and a wrong guess leaves card digits in clear.
 */
export const paymentCardDetector: Detector = {
  name: 'payment_card',
  prefix: 'card',
  numeric: true,
  worthScanning: (_text, stats) => stats.digits >= MIN_DIGITS,
  find(text) {
    const spans: Span[] = [];
    RUN.lastIndex = 0;
    for (let m = RUN.exec(text); m !== null; m = RUN.exec(text)) {
      const run = m[0];
      if (run.length < MIN_DIGITS) continue;
      // The digit groups of an IBAN-shaped code ("MK07 2501 2000 0058 985") whose checksum
      // failed are that code's, not a card's.
      if (m.index >= 5 && IBAN_HEAD.test(text.slice(m.index - 5, m.index))) continue;
      if (runHoldsCard(run)) spans.push({ start: m.index, end: m.index + run.length });
    }
    return spans;
  },
  normalise: digitsOnly,
};
