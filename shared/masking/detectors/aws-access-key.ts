import type { Detector, Span } from './detector.js';

// Access key ids: a 4-character prefix + 16 upper-case base32-ish chars. The prefixes are
// gitleaks' and detect-secrets' set: AKIA (long-term), ASIA (temporary), ABIA, ACCA, A3T?.
// The prefix is specific enough to match even when glued after text ("2024-01-15AKIA…");
// a longer run after it ("…EXAMPLEX") is some other identifier.
const KEY_ID = /(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])/g;
const KEY_ID_HINT = /A(?:KIA|SIA|BIA|CCA|3T)/;

// Secret access keys: 40 base64 characters, recognisable only by the label next to them
// (`aws_secret_access_key = …`, `"SecretAccessKey": "…"`, `AWS_SECRET_KEY: …`). Only the
// value is the detection; the label stays. The label is bounded and the value fixed-width.
const SECRET = /(?:secret_?access_?key|aws_?secret(?:_?key)?|secret_?key)["'`]?[ \t]*(?:[:=]|=>|:=)[ \t]*["'`]?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;

function find(text: string): Span[] {
  const spans: Span[] = [];
  if (KEY_ID_HINT.test(text)) {
    KEY_ID.lastIndex = 0;
    for (let m = KEY_ID.exec(text); m !== null; m = KEY_ID.exec(text)) spans.push({ start: m.index, end: m.index + m[0].length });
  }
  if (text.length >= 45 && /ecret|ECRET/.test(text)) {
    SECRET.lastIndex = 0;
    for (let m = SECRET.exec(text); m !== null; m = SECRET.exec(text)) {
      const end = m.index + m[0].length;
      spans.push({ start: end - 40, end });
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}

export const awsAccessKeyDetector: Detector = {
  name: 'aws_access_key',
  prefix: 'awskey',
  numeric: false,
  // A key id is a 20-character token run, a secret key a 40-character one (with "/" or "+"
  // inside, so its runs may be shorter): cells without a 16+ run or "secret" cost nothing.
  worthScanning: (text, stats) =>
    text.length >= 20 &&
    ((stats.longestToken >= 20 && KEY_ID_HINT.test(text)) || (text.length >= 45 && (text.indexOf('ecret') !== -1 || text.indexOf('ECRET') !== -1))),
  find,
  normalise: (value) => value,
};
