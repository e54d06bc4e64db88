import { countrySpecs, isValidIBAN } from 'ibantools';
import type { Detector, Span } from './detector.js';

// Country code, 2 check digits, then 11–30 alphanumerics, optionally in groups of 4 separated
// by a single space or dash (print format, "DE89-3704-…"). Upper case only, as IBANs are
// written. Repetition is bounded and starts only at a word start, so each attempt costs O(34).
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g;

/** ISO 13616 mod-97 check over an IBAN without separators. */
export function ibanChecksumValid(compact: string): boolean {
  if (compact.length < 15 || compact.length > 34) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    // Letters count as two digits (A=10 … Z=35).
    if (c >= 0x41 && c <= 0x5a) rem = (rem * 100 + (c - 55)) % 97;
    else rem = (rem * 10 + (c - 0x30)) % 97;
  }
  return rem === 1;
}

const compact = (value: string): string => value.replace(/[ -]/g, '');

/**
 * A valid IBAN: for a country `ibantools` has a specification for, its check (length, BBAN
 * structure, mod-97); for any other two letters, mod-97 alone, so a country added to the
 * registry after this library's release is masked rather than left in clear (fail closed).
 */
function validIban(value: string): boolean {
  const c = compact(value);
  const spec = countrySpecs[c.slice(0, 2)];
  if (spec?.chars !== undefined && spec.chars !== null) return isValidIBAN(c);
  return ibanChecksumValid(c);
}

function lastSeparator(value: string): number {
  return Math.max(value.lastIndexOf(' '), value.lastIndexOf('-'));
}

export const ibanDetector: Detector = {
  name: 'iban',
  prefix: 'iban',
  numeric: true,
  worthScanning: (text, stats) => stats.digits >= 4 && text.length >= 15,
  find(text) {
    const spans: Span[] = [];
    IBAN.lastIndex = 0;
    for (let m = IBAN.exec(text); m !== null; m = IBAN.exec(text)) {
      let value = m[0];
      // A greedy match may have swallowed a following upper-case word group: shrink by
      // whole groups until the checksum holds (at most 8 tries).
      while (value.length >= 15 && !validIban(value)) {
        const cut = lastSeparator(value);
        if (cut === -1) break;
        value = value.slice(0, cut);
      }
      if (validIban(value)) {
        spans.push({ start: m.index, end: m.index + value.length });
        IBAN.lastIndex = m.index + value.length;
      } else {
        // Retry from the next word: "REF1 DE89 3704 …" starts with a group that is not the IBAN.
        IBAN.lastIndex = m.index + 1;
      }
    }
    return spans;
  },
  normalise: compact,
};
