import type { Detector, Span } from './detector.js';

const AT = 0x40;

function isLocalChar(c: number): boolean {
  // A-Z a-z 0-9 . _ % + -
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) ||
    c === 0x2e || c === 0x5f || c === 0x25 || c === 0x2b || c === 0x2d;
}

function isDomainChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d;
}

function isAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

function isAlpha(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

/**
 * End of the longest valid domain in `text[from, to)`: dot-separated labels (alnum at both
 * ends, '-' inside, ≤ 63 chars) ending in an alphabetic TLD of 2+ letters, so "mail
 * a@b.com." stops before the full stop. -1 when there is none. A hand-written
 * scan: this runs for every '@' and a split/regex version dominated masking profiles.
 */
function validDomainEnd(text: string, from: number, to: number): number {
  let best = -1;
  let labelStart = from;
  let labels = 0;
  // Letters at the start of the current label: "example.com-4242" ends after "com", so an
  // address glued to what follows is still found (and masked) rather than missed.
  let alphaPrefix = 0;
  let alpha = true;
  for (let i = from; i <= to; i++) {
    const c = i < to ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      const len = i - labelStart;
      const wellFormed = len > 0 && len <= 63 && isAlnum(text.charCodeAt(labelStart)) && isAlnum(text.charCodeAt(i - 1));
      if (labels >= 1 && alphaPrefix >= 2) best = labelStart + alphaPrefix;
      if (!wellFormed) break;
      labels++;
      labelStart = i + 1;
      alphaPrefix = 0;
      alpha = true;
    } else if (alpha && isAlpha(c)) {
      alphaPrefix++;
    } else {
      alpha = false;
    }
  }
  return best;
}

/**
 * Start of the local part ending just before the '@' at `at`, or -1 when it is empty.
 * `floor` is the end of the previous detection, which the local part may not reach back into.
 * No length cap: an over-long local part is masked whole rather than leaving its head.
 * Still linear: '@' is neither a local nor a domain character, so a scan stops at the
 * neighbouring '@' and each character is visited at most three times overall.
 */
function localStart(text: string, at: number, floor = 0): number {
  let start = at;
  while (start > floor && isLocalChar(text.charCodeAt(start - 1))) start--;
  while (start < at && text.charCodeAt(start) === 0x2e) start++;
  return start === at ? -1 : start;
}

/**
 * Whether the ':' at `colon` separates a URL's user name from its password: "scheme://user"
 * right before it (user-name characters back to "//", a scheme before that). Bounded look-back.
 */
function isUrlUserInfo(text: string, colon: number): boolean {
  let i = colon;
  const floor = Math.max(0, colon - 256);
  while (i > floor && isLocalChar(text.charCodeAt(i - 1))) i--;
  return i >= 3 && text.charCodeAt(i - 1) === 0x2f && text.charCodeAt(i - 2) === 0x2f && text.charCodeAt(i - 3) === 0x3a;
}

/** End of the valid domain after the '@' at `at`, or -1. */
function domainEnd(text: string, at: number): number {
  let end = at + 1;
  while (end < text.length && isDomainChar(text.charCodeAt(end))) end++;
  return validDomainEnd(text, at + 1, end);
}

/**
 * Email addresses. Driven by indexOf('@') rather than a `[chars]+@` regex, which would
 * rescan a long run of local-part characters from every start position (quadratic).
 * Quoted local parts and IP-literal domains are not recognised.
 */
export const emailDetector: Detector = {
  name: 'email',
  prefix: 'email',
  numeric: false,
  worthScanning: (_text, stats) => stats.hasAt,
  find(text) {
    const spans: Span[] = [];
    let from = 0;
    for (let at = text.indexOf('@', from); at !== -1; at = text.indexOf('@', from)) {
      from = at + 1;
      // "a@b.com.x@c.com": the second address starts after the first one ends.
      const start = localStart(text, at, spans[spans.length - 1]?.end ?? 0);
      // "https://user:password@host": user info of a URL, not an address. Whether it is a
      // credential is the secret detector's call (secretlint's basic-auth rule).
      if (start > 0 && text.charCodeAt(start - 1) === 0x3a && isUrlUserInfo(text, start - 1)) continue;
      const end = start === -1 ? -1 : domainEnd(text, at);
      if (end === -1) continue;
      spans.push({ start, end });
      from = end;
      if (from < text.length && text.charCodeAt(from) === AT) from++;
    }
    return spans;
  },
  normalise: (value) => value.trim().toLowerCase(),
};

/** True when the whole string (trimmed) is exactly one email address; allocation-free. */
export function isWholeEmail(value: string): boolean {
  const at = value.indexOf('@');
  if (at === -1 || value.indexOf('@', at + 1) !== -1) return false;
  let first = 0;
  while (first < at && value.charCodeAt(first) <= 0x20) first++;
  let last = value.length;
  while (last > at && value.charCodeAt(last - 1) <= 0x20) last--;
  return localStart(value, at) === first && domainEnd(value, at) === last;
}
