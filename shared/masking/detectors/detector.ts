import type { DetectorName } from '../types.js';

/** A half-open UTF-16 range `[start, end)` of a detected value inside a string. */
export interface Span {
  start: number;
  end: number;
}

/**
 * Cheap facts about a string, computed once per cell so that each detector can skip the
 * cell without running a regex (the pre-filter that keeps masking above 1M cells/s).
 */
export interface TextStats {
  digits: number;
  hasAt: boolean;
  hasPlus: boolean;
  /** ASCII upper-case letters (or any non-ASCII letter, which may be one). */
  upper: number;
  /** Spaces and tabs. */
  spaces: number;
  /**
   * Length of the longest run of token characters (`A-Z a-z 0-9 _ -`). API keys and access
   * key ids are runs of 16+ such characters; words, ids and addresses in prose are shorter.
   */
  longestToken: number;
}

/**
 * One content detector. `find` must run in time linear in the text length: every
 * regex is either bounded per start position or anchored on a literal found by indexOf.
 */
export interface Detector {
  readonly name: DetectorName;
  /** Pseudonym prefix, e.g. `email` → `email_3f9a…`. */
  readonly prefix: string;
  /** Whether `partial` may keep the last 4 characters; secrets and emails keep nothing. */
  readonly numeric: boolean;
  worthScanning(text: string, stats: TextStats): boolean;
  /** Non-overlapping spans in ascending order. */
  find(text: string): Span[];
  /** The value the pseudonym is computed from, so `A@X.COM` and `a@x.com` agree. */
  normalise(value: string): string;
}

/** Runs a global regex over text and returns every span whose matched text passes `accept`. */
export function regexSpans(re: RegExp, text: string, accept?: (value: string) => boolean): Span[] {
  const spans: Span[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (accept === undefined || accept(m[0])) spans.push({ start: m.index, end: m.index + m[0].length });
    if (m[0].length === 0) re.lastIndex++;
  }
  return spans;
}

/** Digits only, e.g. `(555) 123-4567` → `5551234567`. */
export function digitsOnly(value: string): string {
  return value.replace(/\D+/g, '');
}
