import type { Detector, Span } from './detector.js';

// Header with an optional algorithm word ("RSA ", "EC ", "OPENSSH ", "ENCRYPTED "), matched
// sticky at a position found by indexOf, so no lazy `[\s\S]*?` scan is ever repeated.
const HEADER = /-----BEGIN [A-Z0-9 ]{0,30}PRIVATE KEY-----/y;
const FOOTER = /-----END [A-Z0-9 ]{0,30}PRIVATE KEY-----/y;

/**
 * PEM private-key blocks. An unterminated block (truncated result, cut column) is masked
 * to the end of the string: what follows a BEGIN line is key material.
 */
export const privateKeyDetector: Detector = {
  name: 'private_key',
  prefix: 'pkey',
  numeric: false,
  worthScanning: (text) => text.length >= 27 && text.indexOf('-----BEGIN') !== -1,
  find(text) {
    const spans: Span[] = [];
    let from = 0;
    for (let begin = text.indexOf('-----BEGIN', from); begin !== -1; begin = text.indexOf('-----BEGIN', from)) {
      HEADER.lastIndex = begin;
      if (!HEADER.test(text)) {
        from = begin + 1;
        continue;
      }
      let end = -1;
      for (let at = text.indexOf('-----END', HEADER.lastIndex); at !== -1; at = text.indexOf('-----END', at + 1)) {
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
