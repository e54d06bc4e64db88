import type { Detector, Span, TextStats } from './detectors/detector.js';
import { partialMask } from './partial-mask.js';
import type { Pseudonymizer } from './pseudonymizer.js';
import type { MaskRule } from './types.js';

export interface ActiveDetector {
  detector: Detector;
  rule: MaskRule;
  /** Bit in `ScanContext.hits`. */
  bit: number;
}

/** Per-result scanning state; `hits` and `deepRedacted` are reset by the caller per cell. */
export interface ScanContext {
  /** Enabled detectors in priority order. */
  detectors: readonly ActiveDetector[];
  pseudonyms: Pseudonymizer;
  /** Bitmask of the detectors that replaced something in the current cell. */
  hits: number;
  /** Set when a nested JSON value was too deep to walk and was redacted whole. */
  deepRedacted: boolean;
}

/** Shortest string any detector can match ("a@b.co"); shorter cells skip all work. */
const MIN_LENGTH = 6;

interface Hit extends Span {
  active: ActiveDetector;
}

// Reused across calls (scanText is synchronous and never re-entered while stats are read):
// one allocation less per string cell, which showed up as GC time in the benchmark.
const stats: TextStats = { digits: 0, hasAt: false, hasPlus: false, upper: 0, spaces: 0, longestToken: 0 };

function fillStats(text: string): TextStats {
  let digits = 0;
  let hasAt = false;
  let hasPlus = false;
  let upper = 0;
  let spaces = 0;
  let longestToken = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) {
      run++;
      continue;
    }
    if (c >= 0x30 && c <= 0x39) {
      digits++;
      run++;
      continue;
    }
    if (c >= 0x41 && c <= 0x5a) {
      upper++;
      run++;
      continue;
    }
    if (c === 0x5f || c === 0x2d) {
      run++;
      continue;
    }
    if (run > longestToken) longestToken = run;
    run = 0;
    if (c === 0x20 || c === 0x09) spaces++;
    else if (c === 0x40) hasAt = true;
    else if (c === 0x2b) hasPlus = true;
    else if (c > 0x7f) upper++;
  }
  if (run > longestToken) longestToken = run;
  stats.digits = digits;
  stats.hasAt = hasAt;
  stats.hasPlus = hasPlus;
  stats.upper = upper;
  stats.spaces = spaces;
  stats.longestToken = longestToken;
  return stats;
}

/**
 * Merges a lower-priority detector's sorted spans into the accepted (sorted, disjoint)
 * hits in one linear pass, so many matches in a 1 MB string stay linear. A span that
 * overlaps an accepted hit is not dropped but absorbed: the hit grows to cover both, so no
 * fragment of either value is left in clear ("+1 555 123 4567@x.com" is masked whole).
 */
function mergeLower(accepted: Hit[], spans: readonly Span[], active: ActiveDetector): Hit[] {
  const out: Hit[] = [];
  let a = 0;
  const absorbFollowing = (hit: Hit): void => {
    for (let next = accepted[a]; next !== undefined && next.start < hit.end; next = accepted[++a]) {
      hit.end = Math.max(hit.end, next.end);
    }
  };
  for (const span of spans) {
    for (let next = accepted[a]; next !== undefined && next.end <= span.start; next = accepted[++a]) out.push(next);
    const prev = out[out.length - 1];
    const next = accepted[a];
    if (prev !== undefined && prev.end > span.start) {
      prev.end = Math.max(prev.end, span.end);
      absorbFollowing(prev);
    } else if (next !== undefined && next.start < span.end) {
      next.start = Math.min(next.start, span.start);
      next.end = Math.max(next.end, span.end);
      out.push(next);
      a++;
      absorbFollowing(next);
    } else {
      out.push({ start: span.start, end: span.end, active });
    }
  }
  for (let next = accepted[a]; next !== undefined; next = accepted[++a]) out.push(next);
  return out;
}

/** `[REDACTED:<name>]` per detector, built once rather than per replaced value. */
const redactedLabels = new Map<string, string>();

function redactedLabel(name: string): string {
  let label = redactedLabels.get(name);
  if (label === undefined) {
    label = `[REDACTED:${name}]`;
    redactedLabels.set(name, label);
  }
  return label;
}

function replacement(active: ActiveDetector, value: string, ctx: ScanContext): string {
  const { detector, rule } = active;
  if (rule === 'pseudonym') return ctx.pseudonyms.token(detector.prefix, detector.normalise(value));
  if (rule === 'partial' && detector.numeric) {
    const partial = partialMask(value);
    if (partial !== null) return partial;
  }
  // redact, and partial on an email or a secret: nothing of it is kept.
  return redactedLabel(detector.name);
}

/**
 * Replaces every detected value inside free text, in place, by its detector's rule.
 * Returns the input string itself when nothing was found.
 */
export function scanText(text: string, ctx: ScanContext): string {
  if (text.length < MIN_LENGTH || ctx.detectors.length === 0) return text;
  const facts = fillStats(text);
  const detectors = ctx.detectors;
  // Most cells find nothing and should allocate nothing; most of the rest find one value in
  // one detector, kept as (spans, detector) until a second detector also finds something.
  let first: readonly Span[] | null = null;
  let firstActive: ActiveDetector | null = null;
  let hits: Hit[] | null = null;
  for (let d = 0; d < detectors.length; d++) {
    const active = detectors[d]!;
    if (!active.detector.worthScanning(text, facts)) continue;
    const spans = active.detector.find(text);
    if (spans.length === 0) continue;
    if (first === null) {
      first = spans;
      firstActive = active;
      continue;
    }
    if (hits === null) hits = asHits(first, firstActive!);
    hits = mergeLower(hits, spans, active);
  }
  if (first === null) return text;
  if (hits === null && first.length === 1) {
    // The common hit: one value of one detector, replaced without building hit objects.
    const { start, end } = first[0]!;
    ctx.hits |= firstActive!.bit;
    return text.slice(0, start) + replacement(firstActive!, text.slice(start, end), ctx) + text.slice(end);
  }
  hits ??= asHits(first, firstActive!);
  let out = '';
  let at = 0;
  for (let i = 0; i < hits.length; i++) {
    const hit = hits[i]!;
    out += text.slice(at, hit.start) + replacement(hit.active, text.slice(hit.start, hit.end), ctx);
    ctx.hits |= hit.active.bit;
    at = hit.end;
  }
  return out + text.slice(at);
}

function asHits(spans: readonly Span[], active: ActiveDetector): Hit[] {
  const out = new Array<Hit>(spans.length);
  for (let i = 0; i < spans.length; i++) out[i] = { start: spans[i]!.start, end: spans[i]!.end, active };
  return out;
}
