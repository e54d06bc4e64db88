import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { digitsOnly, type Detector, type Span } from './detector.js';

/**
 * Countries whose national formats (no `+` country code) are recognised: the 20 largest
 * economies by nominal GDP (IMF, 2024) plus a few large neighbours. A national number is
 * masked when libphonenumber says it is a valid number of one of these countries **and**
 * its digit grouping is the one that country writes (see `groupingMatches`). Not a policy
 * setting: a list per deployment would make a leak depend on configuration; adding a
 * country costs one parse per candidate, never anything on cells without a digit run.
 */
export const PHONE_COUNTRIES: readonly CountryCode[] = [
  'US', 'CN', 'DE', 'JP', 'IN', 'GB', 'FR', 'IT', 'CA', 'BR', 'RU', 'MX', 'AU', 'KR', 'ES', 'ID', 'NL', 'TR', 'SA', 'CH',
  'PL', 'AR', 'SE', 'BE', 'IL', 'IE', 'SG', 'ZA', 'NG', 'PH',
];

// North American numbers with separators: optional +1/1, area code [2-9]XX (in parentheses
// or followed by a separator), 3 digits, separator, 4 digits. Kept beside the validated path
// because test and demo data use the fictional 555 area code, which libphonenumber rejects:
// a shaped NANP number is masked whether or not it is assigned (fail closed). A bare 10-digit
// run is not matched here, nor is one glued to an id ("ORD-555-123-4567"). O(1) per start.
const US_START = String.raw`(?<![\w+]|\w-|\d[. ])`;
const US = new RegExp(
  String.raw`(?:${US_START}(?:\+?1[ .-]?)?[2-9]\d{2}[ .-]|${US_START}\+?1[ .-]?\([2-9]\d{2}\) ?|\([2-9]\d{2}\) ?)\d{3}[ .-]\d{4}(?!\d|[.-]\d)`,
  'g',
);

// International: '+' then a bounded run of digits/separators; validated in code (E.164:
// 8–15 digits, no doubled separators, balanced parentheses).
const INTL = /(?<![\w+])\+[1-9][\d ().-]{6,24}/g;

// A candidate for the validated path: an optional `+`/`(`, a digit, then digits and single
// separators (space, dash, dot, parentheses), ending in a digit; not glued to a word or to
// an id ("ORD-0412…", "v1.2.3"). Bounded, so O(1) per start.
const CANDIDATE = /(?<![\w+.\-/@])(?:\+|\()?\d(?:[ .\-()]{0,2}\d){6,16}(?![\w@])/g;

/** Words that make a bare digit run (no separators) a phone number: "call me at 2352351232". */
const PHONE_CUE = /(?:phone|tel(?:ephone)?|mobile|mob|cell|call(?:ed)?|fax|whats ?app|sms|text me|contact|number is|n(?:o|r|um)\.?)\W{0,4}$|携帯|電話/i;

// Shapes that are not phone numbers although some country's plan accepts their digits.
const DATE_LIKE = /^\d{4}[-.]\d{1,2}[-.]\d{1,2}(?!\d)|^\d{1,2}[-.]\d{1,2}[-.]\d{4}$/;
const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,4}){2,}$/;
// A token of letters and digits, or digits, right before the candidate (one space between).
const CODE_BEFORE = /(?:[A-Za-z]+\d+[A-Za-z0-9]*|\d)[ \t]$/;

/** libphonenumber validations per cell before candidates are masked unparsed. */
const MAX_VALIDATIONS_PER_CELL = 512;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Longest valid international number starting at `start` within the candidate run (≤ 26 tries). */
function longestInternational(text: string, start: number, runEnd: number): number {
  for (let end = runEnd; end > start + 8; end--) {
    if (!isDigit(text.charCodeAt(end - 1)) || isDigit(text.charCodeAt(end))) continue;
    if (validInternational(text.slice(start, end))) return end;
  }
  return -1;
}

/** Digits in `value`, without building the digits-only string. */
function countDigits(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) if (isDigit(value.charCodeAt(i))) n++;
  return n;
}

function validInternational(candidate: string): boolean {
  const digits = countDigits(candidate);
  if (digits < 8 || digits > 15) return false;
  if (/[ .-]{2}|\(\)|\)\(|[.-]\(|\)[.-]?\(/.test(candidate)) return false;
  let depth = 0;
  for (const ch of candidate) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0 || depth > 1) return false;
  }
  return depth === 0;
}

/** Lengths of the digit groups: "0412 345 678" → "4,3,3". */
function groups(text: string): string {
  return (text.match(/\d+/g) ?? []).map((g) => g.length).join(',');
}

/**
 * Whether `candidate`, written without a country code, is a valid number of one of
 * PHONE_COUNTRIES written the way that country writes it: the digit groups of
 * libphonenumber's national format must equal the candidate's ("0412 345 678" in AU), which
 * rules out dates, ISBNs and versions that happen to be valid digit strings somewhere. A
 * bare run (one group) after a phone cue only needs to be valid.
 */
function validNational(candidate: string, bare: boolean): boolean {
  const shape = groups(candidate);
  for (const country of PHONE_COUNTRIES) {
    const number = parsePhoneNumberFromString(candidate, country);
    if (number === undefined || !number.isValid()) continue;
    if (bare) return true;
    const national = groups(number.formatNational()).split(',');
    const written = shape.split(',');
    // The same groups; or, written with the trunk prefix 0 (so explicitly a national number),
    // the same count ending in the same subscriber group: an area code may be split
    // differently ("0343 15-555-1212" is AR's "03435 15-55-1212").
    if (national.join(',') === shape) return true;
    if (candidate.startsWith('0') && national.length === written.length && national[national.length - 1] === written[written.length - 1]) return true;
    // A trunk prefix written apart ("8 (912) 345-67-89") or omitted still groups the rest the same.
    if (national.join(',').endsWith(shape) || shape.endsWith(national.join(','))) return true;
  }
  return false;
}

/** Valid in international format (`+` or `00` then a country code) by libphonenumber. */
function validWithCountryCode(candidate: string): boolean {
  const text = candidate.startsWith('00') ? `+${candidate.slice(2)}` : candidate;
  const number = parsePhoneNumberFromString(text);
  return number !== undefined && number.isValid();
}

function overlaps(spans: readonly Span[], start: number, end: number): boolean {
  return spans.some((s) => start < s.end && end > s.start);
}

/** Phone numbers validated by libphonenumber-js (national formats of PHONE_COUNTRIES, or with a country code). */
function validatedSpans(text: string, taken: readonly Span[]): Span[] {
  const spans: Span[] = [];
  let parses = 0;
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
    let start = m.index;
    let value = m[0];
    // A trailing "(" or ")" that does not balance belongs to the text around it.
    while (value.endsWith(')') && value.split('(').length !== value.split(')').length) value = value.slice(0, -1);
    if (value.startsWith('(') && !value.includes(')')) {
      value = value.slice(1);
      start++;
    }
    const end = start + value.length;
    if (overlaps(taken, start, end)) continue;
    const digitCount = countDigits(value);
    if (digitCount < 8 || digitCount > 15) continue;
    if (DATE_LIKE.test(value) || DOTTED_QUAD.test(value)) continue;
    // Dashes and dots mixed ("693-09.4444"), a time right after ("… 09:12:44"), or a code
    // right before ("MK07 2501 2000 …", the rest of an account number): not a phone.
    if (value.includes('-') && value.includes('.')) continue;
    if (text.charCodeAt(end) === 0x3a && isDigit(text.charCodeAt(end + 1))) continue;
    if (CODE_BEFORE.test(text.slice(Math.max(0, start - 12), start))) continue;
    let valid: boolean;
    // A cell with very many candidates (a hostile 1 MB list of numbers) would cost up to 30
    // parses each: past the budget, every remaining candidate that reached this point is
    // masked unparsed (fail closed, and linear).
    if (++parses > MAX_VALIDATIONS_PER_CELL) valid = !/^\d+$/.test(value) || PHONE_CUE.test(text.slice(Math.max(0, start - 24), start));
    else if (value.startsWith('+')) valid = validWithCountryCode(value);
    else {
      // National numbers, trunk and mobile prefixes included, have at most 13 digits (AR "0343 15-555-1212").
      if (digitCount > 13 && !value.startsWith('00')) continue;
      const bare = /^\d+$/.test(value);
      // A bare run is an id or a timestamp unless the text says it is a phone number; and
      // longer than 12 digits it is an account or card number whatever the text says.
      if (bare && (digitCount > 12 || !PHONE_CUE.test(text.slice(Math.max(0, start - 24), start)))) continue;
      valid = (value.startsWith('00') && validWithCountryCode(value)) || validNational(value, bare);
    }
    if (valid) spans.push({ start, end });
  }
  return spans;
}

export const phoneDetector: Detector = {
  name: 'phone',
  prefix: 'phone',
  numeric: true,
  // The digit pre-filter: fewer than 8 digits in the whole cell, no scan and no parse.
  worthScanning: (_text, stats) => stats.digits >= 8,
  find(text) {
    const spans: Span[] = [];
    if (text.indexOf('+') !== -1) {
      INTL.lastIndex = 0;
      for (let m = INTL.exec(text); m !== null; m = INTL.exec(text)) {
        const end = longestInternational(text, m.index, m.index + m[0].length);
        if (end !== -1) spans.push({ start: m.index, end });
        INTL.lastIndex = end === -1 ? m.index + 1 : end;
      }
    }
    US.lastIndex = 0;
    for (let m = US.exec(text); m !== null; m = US.exec(text)) {
      const start = m.index;
      const end = start + m[0].length;
      if (!overlaps(spans, start, end)) spans.push({ start, end });
    }
    for (const span of validatedSpans(text, spans)) spans.push(span);
    return spans.sort((a, b) => a.start - b.start);
  },
  normalise: digitsOnly,
};
