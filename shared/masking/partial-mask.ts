/** Reused for every result of up to its length (masking is synchronous: never shared mid-use). */
const SCRATCH = Buffer.allocUnsafe(1024);

/** How many trailing characters `partial` may keep, at most. */
const KEEP = 4;
/** At least this many alphanumerics are always hidden, so a short value never shows whole. */
const MIN_HIDDEN = 4;

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * `partial` for a number-like value: every letter/digit becomes `*` except the last
 * min(4, n − 4) of the n alphanumerics; separators keep their place
 * (`123-45-6789` → `***-**-6789`, `4242424242424242` → `************4242`).
 *
 * Returns null when the value is not number-like (an email, free text, anything with
 * fewer digits than letters): the caller then redacts it, because keeping the tail of an
 * email keeps its domain, and the tail of text can be anything.
 *
 * @example
 * partialMask('+1 (555) 123-4567') // '+* (***) ***-4567'
 */
export function partialMask(value: string): string | null {
  if (value.indexOf('@') !== -1) return null;
  let alnum = 0;
  let digits = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (isAlnum(c)) {
      alnum++;
      if (c <= 0x39) digits++;
    } else if (c > 0x7e) {
      // Non-ASCII letters would pass through as "separators": treat as not number-like.
      return null;
    }
  }
  if (digits === 0 || digits * 2 < alnum) return null;
  const keep = Math.max(0, Math.min(KEEP, alnum - MIN_HIDDEN));
  const hideUpTo = alnum - keep;
  // The value is ASCII here (anything above 0x7e returned null): the result is written into
  // one scratch buffer and read out as one flat string. Appending a character at a time built
  // a rope of one ConsString per character, and that garbage was a sixth of masking's GC.
  const n = value.length;
  const out = n <= SCRATCH.length ? SCRATCH : Buffer.allocUnsafe(n);
  let seen = 0;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    out[i] = isAlnum(c) && seen++ < hideUpTo ? 0x2a : c;
  }
  return out.toString('latin1', 0, n);
}
