import { digitsOnly, type Detector, type Span } from './detector.js';

// North American numbers with separators: optional +1/1, area code [2-9]XX (in parentheses
// or followed by a separator), 3 digits, separator, 4 digits. A bare 10-digit run is not a
// phone (order ids, timestamps), nor is one glued to an id ("ORD-555-123-4567",
// "3.555…") or following another number ("12 555 123 4567"); after a word and a full stop
// it is ("call.(555) 234-5678"), and a bare "(555)" needs no boundary at all: the
// parenthesis is one. It may not continue into more digits ("555-123-45678"),
// but text may follow ("…4567x12", "…4567-ext"). Every quantifier is bounded: O(1) per start.
const US_START = String.raw`(?<![\w+]|\w-|\d[. ])`;
const US = new RegExp(
  String.raw`(?:${US_START}(?:\+?1[ .-]?)?[2-9]\d{2}[ .-]|${US_START}\+?1[ .-]?\([2-9]\d{2}\) ?|\([2-9]\d{2}\) ?)\d{3}[ .-]\d{4}(?!\d|[.-]\d)`,
  'g',
);

// International: '+' then a bounded run of digits/separators; validated in code (E.164:
// 8–15 digits, no doubled separators, balanced parentheses) instead of by a nested regex
// whose group splits would backtrack exponentially.
const INTL = /(?<![\w+])\+[1-9][\d ().-]{6,24}/g;

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

function validInternational(candidate: string): boolean {
  const digits = digitsOnly(candidate).length;
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

export const phoneDetector: Detector = {
  name: 'phone',
  prefix: 'phone',
  numeric: true,
  worthScanning: (_text, stats) => stats.digits >= 10 || (stats.hasPlus && stats.digits >= 8),
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
      if (!spans.some((s) => start < s.end && end > s.start)) spans.push({ start, end });
    }
    return spans.sort((a, b) => a.start - b.start);
  },
  normalise: digitsOnly,
};
