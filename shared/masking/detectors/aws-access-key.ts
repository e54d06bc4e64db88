import { regexSpans, type Detector } from './detector.js';

// Long-term (AKIA) and temporary (ASIA) access key ids: 4-letter prefix + 16 base32-ish chars.
// The prefix is specific enough to match even when glued after text ("2024-01-15AKIA…");
// a longer run after it ("…EXAMPLEX") is some other identifier.
const AWS_KEY = /(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;

export const awsAccessKeyDetector: Detector = {
  name: 'aws_access_key',
  prefix: 'awskey',
  numeric: false,
  worthScanning: (text) => text.length >= 20 && (text.indexOf('AKIA') !== -1 || text.indexOf('ASIA') !== -1),
  find: (text) => regexSpans(AWS_KEY, text),
  normalise: (value) => value,
};
