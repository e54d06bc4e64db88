import { digitsOnly, regexSpans, type Detector } from './detector.js';

// ###-##-#### (or spaces, used consistently). Excluded as never issued by the SSA: area
// 000, 666 and 900–999, group 00, serial 0000. Bare 9-digit runs are not matched: they are
// indistinguishable from ids. Fixed-width, so linear.
const SSN = /(?<![\d-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\d-])/g;

export const ssnDetector: Detector = {
  name: 'ssn',
  prefix: 'ssn',
  numeric: true,
  worthScanning: (_text, stats) => stats.digits >= 9,
  find: (text) => regexSpans(SSN, text),
  normalise: digitsOnly,
};
