import { domainToASCII } from 'node:url';

/**
 * Latin letters that other scripts draw the same way (a subset of Unicode's confusables.txt,
 * UTS #39): NFKC leaves them alone, so `аpprover1@example.com` with a Cyrillic `а` would
 * otherwise be a different person. Folding them makes some distinct addresses compare equal,
 * which for the self-approval check only refuses more: it fails closed.
 */
const CONFUSABLES: Record<string, string> = {
  // Cyrillic
  а: 'a', в: 'b', е: 'e', ё: 'e', һ: 'h', і: 'i', ї: 'i', ј: 'j', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', ѕ: 's', т: 't', у: 'y', х: 'x', ԁ: 'd', ԛ: 'q', ԝ: 'w', ɡ: 'g', ӏ: 'l',
  // Greek
  α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w',
  // Latin look-alikes outside ASCII
  ı: 'i', ȷ: 'j', ℓ: 'l', ꞁ: 'l', ɑ: 'a', ɩ: 'i', ʋ: 'u', ᴠ: 'v', ᴡ: 'w', ᴢ: 'z', ø: 'o',
};
const CONFUSABLE = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'gu');

/** Zero-width and other invisible code points NFKC keeps (soft hyphen, ZWJ, BOM, …). */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;
/** RFC 5322 comments: `approver1(work)@example.com` is delivered to approver1@example.com. */
const COMMENT = /\([^()]*\)/g;

/**
 * One comparable form of an email address, or null when the text is not one: Unicode NFKC,
 * full case folding, invisible characters, comments and surrounding space removed, a quoted
 * local part unquoted, a trailing dot on the domain dropped, the domain in its ASCII (IDNA) form,
 * look-alike letters of other scripts folded to Latin, and `+tag` sub-addressing removed for the
 * listed domains (`*` = every domain).
 *
 * @example
 * normalizeEmail(' Approver1+agent@Example.COM. ', ['*']); // 'approver1@example.com'
 */
export function normalizeEmail(raw: string, subaddressDomains: readonly string[]): string | null {
  let s = fold(raw.normalize('NFKC')).replace(INVISIBLE, '').replace(COMMENT, '').trim();
  s = s.replace(/^mailto:/, '').trim();
  // A display-name form (`Approver One <approver1@example.com>`): the address is inside the brackets.
  const bracketed = /<([^<>]*@[^<>]*)>\s*$/.exec(s);
  if (bracketed?.[1] !== undefined) s = bracketed[1].trim();
  // The whole address quoted (`"approver1@example.com"`, `'…'`): not an address as written, but one person.
  const quoted = /^(["'])([^"']*@[^"']*)\1$/.exec(s);
  if (quoted?.[2] !== undefined) s = quoted[2].trim();
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return null;
  let local = s.slice(0, at).trim();
  let domain = s.slice(at + 1).trim().replace(/^["'[]+|["'\]]+$/g, '').replace(/\.+$/, '');
  if (/^".*"$/s.test(local)) local = local.slice(1, -1).replace(/\\(.)/gs, '$1');
  local = local.replace(CONFUSABLE, (c) => CONFUSABLES[c] ?? c);
  domain = domain.replace(CONFUSABLE, (c) => CONFUSABLES[c] ?? c);
  const ascii = domainToASCII(domain);
  if (ascii !== '') domain = ascii;
  if (domain === '' || local === '') return null;
  if (subaddressDomains.includes('*') || subaddressDomains.includes(domain)) {
    const plus = local.indexOf('+');
    if (plus > 0) local = local.slice(0, plus);
  }
  return `${local}@${domain}`;
}

/** Full case folding, approximated: lower, upper, lower (`ẞ` → `ß` → `SS` → `ss`, `ſ` → `s`), NFKC again after. */
function fold(s: string): string {
  return s.toLowerCase().toUpperCase().toLowerCase().normalize('NFKC');
}

/** Whether a claim value is meant as an email address (some IdPs put the email in `sub`). */
export function looksLikeEmail(s: string): boolean {
  return /@/.test(s);
}
