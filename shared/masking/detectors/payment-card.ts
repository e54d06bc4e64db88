import { digitsOnly, type Detector, type Span } from './detector.js';

// 13–19 digits, optionally grouped by single spaces or dashes, starting with 2–6 (Visa,
// Mastercard, Amex, Discover, JCB, UnionPay, Diners); not glued to other digits. Bounded
// repetition and a lookbehind that only allows a start after a non-digit keep it linear.
const CARD = /(?<![\d-])[2-6](?:[ -]?\d){12,18}(?!\d)/g;

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

function validCard(value: string): boolean {
  const digits = digitsOnly(value);
  return digits.length >= 13 && digits.length <= 19 && luhnValid(digits) && !/^(\d)\1+$/.test(digits);
}

/**
 * When the greedy candidate fails (e.g. "12 4242 4242 4242 4242" reads as 18 digits), try
 * the sub-ranges that start and end on a digit-group boundary: at most ~10×10 checks.
 */
function bestWithin(value: string): Span | null {
  const starts: number[] = [0];
  const ends: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x20 || c === 0x2d) {
      ends.push(i);
      starts.push(i + 1);
    }
  }
  ends.push(value.length);
  for (const s of starts) {
    const first = value.charCodeAt(s);
    if (first < 0x32 || first > 0x36) continue;
    for (let e = ends.length - 1; e >= 0; e--) {
      const end = ends[e] ?? 0;
      if (end > s && validCard(value.slice(s, end))) return { start: s, end };
    }
  }
  return null;
}

export const paymentCardDetector: Detector = {
  name: 'payment_card',
  prefix: 'card',
  numeric: true,
  worthScanning: (_text, stats) => stats.digits >= 13,
  find(text) {
    const spans: Span[] = [];
    CARD.lastIndex = 0;
    for (let m = CARD.exec(text); m !== null; m = CARD.exec(text)) {
      const value = m[0];
      const hit = validCard(value) ? { start: 0, end: value.length } : bestWithin(value);
      if (hit !== null) spans.push({ start: m.index + hit.start, end: m.index + hit.end });
    }
    return spans;
  },
  normalise: digitsOnly,
};
