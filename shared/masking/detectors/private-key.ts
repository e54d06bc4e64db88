import type { Detector, Span } from './detector.js';

// Header with optional words before it ("RSA ", "EC ", "OPENSSH ", "ENCRYPTED ", "PGP ",
// "SSH2 ") and an optional " BLOCK" after (`-----BEGIN PGP PRIVATE KEY BLOCK-----`), matched
// sticky at a position found by indexOf, so no lazy `[\s\S]*?` scan is ever repeated. Case
// is ignored, as gitleaks does: "-----begin private key-----" is still a key. The body is
// never looked at: whatever it holds (base64, armour, "super secret key here") is redacted.
const HEADER = /-----BEGIN [A-Z0-9 _-]{0,40}PRIVATE KEY(?: BLOCK)?-----/iy;
const FOOTER = /-----END [A-Z0-9 _-]{0,40}PRIVATE KEY(?: BLOCK)?-----/iy;

/**
 * Next occurrence of `upper` or `lower` at or after `from`. Each spelling's last position is
 * remembered, so a text with many of one spelling and none of the other is not rescanned to
 * its end for every call (which would be quadratic on a hostile 1 MB cell).
 */
function finder(text: string, upper: string, lower: string): (from: number) => number {
  let u = -2;
  let l = -2;
  return (from) => {
    if (u !== -1 && u < from) u = text.indexOf(upper, from);
    if (l !== -1 && l < from) l = text.indexOf(lower, from);
    return u === -1 ? l : l === -1 ? u : Math.min(u, l);
  };
}

/**
 * PEM and PGP private-key blocks. An unterminated block (truncated result, cut column) is masked
 * to the end of the string: what follows a BEGIN line is key material.
 */
export const privateKeyDetector: Detector = {
  name: 'private_key',
  prefix: 'pkey',
  numeric: false,
  worthScanning: (text) => text.length >= 27 && (text.indexOf('-----BEGIN') !== -1 || text.indexOf('-----begin') !== -1),
  find(text) {
    const spans: Span[] = [];
    const nextBegin = finder(text, '-----BEGIN', '-----begin');
    const nextEnd = finder(text, '-----END', '-----end');
    let from = 0;
    for (let begin = nextBegin(from); begin !== -1; begin = nextBegin(from)) {
      HEADER.lastIndex = begin;
      if (!HEADER.test(text)) {
        from = begin + 1;
        continue;
      }
      let end = -1;
      for (let at = nextEnd(HEADER.lastIndex); at !== -1; at = nextEnd(at + 1)) {
        FOOTER.lastIndex = at;
        if (FOOTER.test(text)) {
          end = FOOTER.lastIndex;
          break;
        }
      }
      if (end === -1) {
        spans.push({ start: begin, end: text.length });
        break;
      }
      spans.push({ start: begin, end });
      from = end;
    }
    return spans;
  },
  normalise: (value) => value.replace(/\s+/g, ''),
};
