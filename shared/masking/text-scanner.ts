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
const stats: TextStats = { digits: 0, hasAt: false, hasPlus: false };

function fillStats(text: string): TextStats {
  let digits = 0;
  let hasAt = false;
  let hasPlus = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digits++;
    else if (c === 0x40) hasAt = true;
    else if (c === 0x2b) hasPlus = true;
  }
  stats.digits = digits;
  stats.hasAt = hasAt;
  stats.hasPlus = hasPlus;
  return stats;
}

/**
 * Merges a lower-priority detector's sorted spans into the accepted (sorted, disjoint)
 * hits, dropping any that overlap: one linear pass, so many matches in a 1 MB string
 * stay linear too.
 */
function mergeLower(accepted: Hit[], spans: readonly Span[], active: ActiveDetector): Hit[] {
  const out: Hit[] = [];
  let a = 0;
  for (const span of spans) {
    while (a < accepted.length && (accepted[a]?.end ?? 0) <= span.start) out.push(accepted[a++] as Hit);
    const next = accepted[a];
    const prev = out[out.length - 1];
    const overlapsNext = next !== undefined && next.start < span.end;
    const overlapsPrev = prev !== undefined && prev.end > span.start;
    if (!overlapsNext && !overlapsPrev) out.push({ start: span.start, end: span.end, active });
  }
  while (a < accepted.length) out.push(accepted[a++] as Hit);
  return out;
}

function replacement(active: ActiveDetector, value: string, ctx: ScanContext): string {
  const { detector, rule } = active;
  if (rule === 'pseudonym') return ctx.pseudonyms.token(detector.prefix, detector.normalise(value));
  if (rule === 'partial' && detector.numeric) {
    const partial = partialMask(value);
    if (partial !== null) return partial;
  }
  // redact, and partial on an email or a secret: nothing of it is kept.
  return `[REDACTED:${detector.name}]`;
}

/**
 * Replaces every detected value inside free text, in place, by its detector's rule.
 * Returns the input string itself when nothing was found.
 */
export function scanText(text: string, ctx: ScanContext): string {
  if (text.length < MIN_LENGTH || ctx.detectors.length === 0) return text;
  const facts = fillStats(text);
  // null until something is found: most cells find nothing and should allocate nothing.
  let hits: Hit[] | null = null;
  for (const active of ctx.detectors) {
    if (!active.detector.worthScanning(text, facts)) continue;
    const spans = active.detector.find(text);
    if (spans.length === 0) continue;
    hits = hits === null ? spans.map((s) => ({ start: s.start, end: s.end, active })) : mergeLower(hits, spans, active);
  }
  if (hits === null) return text;
  let out = '';
  let at = 0;
  for (const hit of hits) {
    out += text.slice(at, hit.start) + replacement(hit.active, text.slice(hit.start, hit.end), ctx);
    ctx.hits |= hit.active.bit;
    at = hit.end;
  }
  return out + text.slice(at);
}
