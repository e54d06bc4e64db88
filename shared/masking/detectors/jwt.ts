import { regexSpans, type Detector } from './detector.js';

// header.payload.signature, base64url, header starting with `{"` (eyJ). The lookbehind
// forbids a start inside a base64url run, so a failed attempt's scan is never repeated
// from a later offset of the same run (no quadratic rescans); the segments' class excludes
// '.', so each segment is matched deterministically.
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

export const jwtDetector: Detector = {
  name: 'jwt',
  prefix: 'jwt',
  numeric: false,
  // 15 = "eyJ" + 5, ".", 5, ".": the shortest token the regex accepts.
  worthScanning: (text) => text.length >= 15 && text.indexOf('eyJ') !== -1,
  find: (text) => regexSpans(JWT, text),
  normalise: (value) => value,
};
