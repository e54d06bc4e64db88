import { digitsOnly, type Detector, type Span } from './detector.js';

// ###-##-#### with dashes, dots or spaces used consistently. Excluded as never issued by the
// SSA: area 000, 666 and 900–999, group 00, serial 0000. Digit groups that continue the
// pattern ("2024-123-45-6789", "123-45-6789-01") are ids; a dash before or after text is fine
// ("SSN-123-45-6789-"). Fixed-width, so linear.
const SSN = /(?<!\d|\d[-.])(?!000|666|9\d\d)\d{3}([-. ])(?!00)\d{2}\1(?!0000)\d{4}(?!\d|[-.]\d)/g;

// Nine bare digits are an SSN only with a label just before them ("SSN: 219099999",
// "social security number 219099999"); otherwise they are ids. Same exclusions.
const BARE = /(?<!\d)(?!000|666|9\d\d)\d{3}(?!00)\d{2}(?!0000)\d{4}(?!\d)/g;
const LABEL = /(?:\bssn|\bss#|social[ _-]?security(?:[ _-]?(?:number|no\.?|#))?|\bsoc\.? ?sec\.?(?: ?no\.?)?|\bSSN#?)[\s:#=.\-'"]{0,6}(?:is[ :]+)?(?:on file[ :]+)?$/i;

function spans(text: string): Span[] {
  const out: Span[] = [];
  SSN.lastIndex = 0;
  for (let m = SSN.exec(text); m !== null; m = SSN.exec(text)) out.push({ start: m.index, end: m.index + m[0].length });
  BARE.lastIndex = 0;
  for (let m = BARE.exec(text); m !== null; m = BARE.exec(text)) {
    // Only the 40 characters before the digits are looked at: bounded per match.
    if (LABEL.test(text.slice(Math.max(0, m.index - 40), m.index))) out.push({ start: m.index, end: m.index + 9 });
  }
  return out.sort((a, b) => a.start - b.start);
}

export const ssnDetector: Detector = {
  name: 'ssn',
  prefix: 'ssn',
  numeric: true,
  worthScanning: (_text, stats) => stats.digits >= 9,
  find: spans,
  normalise: digitsOnly,
};
