import { REDACTED } from './column-rule-mask.js';
import { scanText, type ScanContext } from './text-scanner.js';

/**
 * Nesting deeper than this is not walked: the subtree is redacted whole (fail closed,
 * and no stack overflow on a hostile `[[[[…` VARIANT).
 */
const MAX_DEPTH = 64;

function looksLikeJsonContainer(text: string): boolean {
  let i = 0;
  while (i < text.length && text.charCodeAt(i) <= 0x20) i++;
  let j = text.length - 1;
  while (j > i && text.charCodeAt(j) <= 0x20) j--;
  const first = text.charCodeAt(i);
  const last = text.charCodeAt(j);
  return (first === 0x7b && last === 0x7d) || (first === 0x5b && last === 0x5d);
}

/**
 * A string cell (or a string inside JSON): when it is JSON object/array text, its strings
 * are scanned and it is re-serialised (only if something changed, so untouched JSON keeps
 * its formatting); otherwise detectors run over it as free text.
 */
export function scanString(text: string, ctx: ScanContext, depth = 0): string {
  if (looksLikeJsonContainer(text)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON after all (the error is dropped: its message may quote the text).
      return scanText(text, ctx);
    }
    const masked = scanValue(parsed, ctx, depth + 1);
    return masked === parsed ? text : JSON.stringify(masked);
  }
  return scanText(text, ctx);
}

/**
 * Masks detector hits anywhere in a JSON value (VARIANT/OBJECT/ARRAY cells), object keys
 * included. Returns the same reference when nothing changed, a new value otherwise; the
 * input is never mutated. Numbers, booleans and null pass through.
 */
export function scanValue(value: unknown, ctx: ScanContext, depth = 0): unknown {
  if (typeof value === 'string') return scanString(value, ctx, depth);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) {
    ctx.deepRedacted = true;
    return REDACTED;
  }
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const masked = scanValue(item, ctx, depth + 1);
      if (masked !== item && out === null) out = value.slice(0, i);
      if (out !== null) out.push(masked);
    }
    return out ?? value;
  }
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const maskedKey = scanText(key, ctx);
    const masked = scanValue(item, ctx, depth + 1);
    if (maskedKey !== key || masked !== item) changed = true;
    // defineProperty, not assignment: a "__proto__" key from JSON.parse must stay data.
    Object.defineProperty(out, maskedKey, { value: masked, enumerable: true, writable: true, configurable: true });
  }
  return changed ? out : value;
}
