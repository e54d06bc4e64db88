import type { Detector, Span } from './detector.js';

function isB64Url(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
}

/** End of the base64url run starting at `from`. */
function runEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && isB64Url(text.charCodeAt(i))) i++;
  return i;
}

/** Whether a base64url segment decodes to a JSON object (`{…}`). */
function jsonSegment(text: string, start: number, end: number): boolean {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(text.slice(start, end), 'base64url').toString('utf8'));
    return typeof decoded === 'object' && decoded !== null;
  } catch {
    return false;
  }
}

/** Shortest first and second segments accepted, after the `eyJ` (`{"`) of the header. */
const MIN_SEGMENT = 5;

/**
 * JWTs: header.payload.signature (or an unsigned header.payload) in base64url, the header
 * a JSON object (so starting with `eyJ`). Scanned
 * by hand: a regex would have to forbid starts inside a base64url run to stay linear, and
 * so miss glued tokens ("id-eyJ…"). Here a failed header run is skipped whole, as every
 * later `eyJ` inside it would end at the same place and fail the same way.
 */
export const jwtDetector: Detector = {
  name: 'jwt',
  prefix: 'jwt',
  numeric: false,
  // 15 = "eyJ" + 5, ".", 5, ".": the shortest token accepted.
  worthScanning: (text) => text.length >= 15 && text.indexOf('eyJ') !== -1,
  find(text) {
    const spans: Span[] = [];
    let from = 0;
    for (let start = text.indexOf('eyJ', from); start !== -1; start = text.indexOf('eyJ', from)) {
      // Any preceding character is allowed ("id998877eyJ…" is still a token): precision comes
      // from the two dots and segment lengths, not from a boundary.
      const headerEnd = runEnd(text, start);
      from = headerEnd;
      if (headerEnd - start < 3 + MIN_SEGMENT || text.charCodeAt(headerEnd) !== 0x2e) continue;
      const payloadEnd = runEnd(text, headerEnd + 1);
      if (payloadEnd - headerEnd - 1 < MIN_SEGMENT) continue;
      // The header is JSON: "eyJhbasdGci…" is some other base64 run (detect-secrets' check).
      if (!jsonSegment(text, start, headerEnd)) continue;
      if (text.charCodeAt(payloadEnd) !== 0x2e) {
        // An unsigned token (header.payload, `alg: none`): both parts must be JSON.
        if (text.charCodeAt(headerEnd + 1) === 0x65 && jsonSegment(text, headerEnd + 1, payloadEnd)) {
          spans.push({ start, end: payloadEnd });
          from = payloadEnd;
        }
        continue;
      }
      let end = runEnd(text, payloadEnd + 1);
      // More dotted segments (a JWE has five; "jwt-jwt" glues a second token's header onto
      // this signature) belong to the same credential: stopping here would leave them in clear.
      while (text.charCodeAt(end) === 0x2e && isB64Url(text.charCodeAt(end + 1))) end = runEnd(text, end + 1);
      spans.push({ start, end });
      from = end;
    }
    return spans;
  },
  normalise: (value) => value,
};
