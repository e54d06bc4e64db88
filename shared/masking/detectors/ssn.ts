import { digitsOnly, regexSpans, type Detector } from './detector.js';

// ###-##-#### (or spaces, used consistently). Excluded as never issued by the SSA: area
// 000, 666 and 900–999, group 00, serial 0000. Bare 9-digit runs are not matched: they are
// indistinguishable from ids, and neither are digit groups that continue the pattern
// ("2024-123-45-6789", "123-45-6789-01"); a dash before or after text is fine
// ("SSN-123-45-6789-"). Fixed-width, so linear.
const SSN = /(?<!\d|\d-)(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?!\d|-\d)/g;

export const ssnDetector: Detector = {
  name: 'ssn',
  prefix: 'ssn',
  numeric: true,
  worthScanning: (_text, stats) => stats.digits >= 9,
  find: (text) => regexSpans(SSN, text),
  normalise: digitsOnly,
};
