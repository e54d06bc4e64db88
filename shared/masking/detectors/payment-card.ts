import { digitsOnly, type Detector, type Span } from './detector.js';

// A maximal run of digits joined by single spaces or dashes. Deterministic (each step is
// "optional separator, then a digit") and runs never overlap, so the scan is linear.
const RUN = /(?<!\d)\d(?:[ -]?\d)*/g;

const MIN_DIGITS = 13;
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

function validCard(digits: string): boolean {
  const first = digits.charCodeAt(0);
  // IIN ranges in use start with 2–6 (Mastercard 2-series, Amex/Diners/JCB, Visa, Mastercard, Discover/UnionPay).
  return first >= 0x32 && first <= 0x36 && luhnValid(digits) && !/^(\d)\1+$/.test(digits);
}

/**
 * Whether some window of whole digit groups in the run, 13–19 digits long, is a card.
 * Each window start extends over at most 19 digits, so the work stays linear in the run.
 */
function runHoldsCard(run: string): boolean {
  const groups = run.split(/[ -]/);
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
 * Payment card numbers: 13–19 digits, optionally grouped by spaces or dashes, Luhn-valid.
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
      if (run.length >= MIN_DIGITS && runHoldsCard(run)) spans.push({ start: m.index, end: m.index + run.length });
    }
    return spans;
  },
  normalise: digitsOnly,
};
