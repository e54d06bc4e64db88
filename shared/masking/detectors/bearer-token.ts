import type { Detector, Span } from './detector.js';

// `Bearer <token>` (RFC 6750 b64token). The word itself is kept so the text still reads
// ("Authorization: Bearer [REDACTED:bearer_token]"); only the credential is masked. A
// token of at least 8 characters avoids "the bearer of bad news". No word boundary before
// the word: a credential glued to text ("orderBearer abc…") is still a credential.
const BEARER = /(?:[Bb]earer|BEARER)[ \t]+([A-Za-z0-9\-._~+/]{8,}=*)/g;

export const bearerTokenDetector: Detector = {
  name: 'bearer_token',
  prefix: 'bearer',
  numeric: false,
  // 15 = "Bearer" + 1 space + an 8-char token.
  worthScanning: (text) => text.length >= 15 && (text.indexOf('earer') !== -1 || text.indexOf('EARER') !== -1),
  find(text) {
    const spans: Span[] = [];
    BEARER.lastIndex = 0;
    for (let m = BEARER.exec(text); m !== null; m = BEARER.exec(text)) {
      const token = m[1] ?? '';
      const end = m.index + m[0].length;
      spans.push({ start: end - token.length, end });
    }
    return spans;
  },
  normalise: (value) => value,
};
