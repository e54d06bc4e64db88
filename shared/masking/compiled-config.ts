import { AirlockError } from '../errors.js';
import { compileColumnRule, type CompiledColumnRule } from './column-pattern.js';
import { ALL_DETECTORS } from './detectors/all-detectors.js';
import type { ActiveDetector } from './text-scanner.js';
import type { MaskingConfig, MaskRule } from './types.js';

/** HMAC keys shorter than this make pseudonyms guessable by brute force over the key. */
const MIN_KEY_BYTES = 16;

const RULES: readonly string[] = ['redact', 'partial', 'pseudonym'];

export interface CompiledConfig {
  columnRules: readonly CompiledColumnRule[];
  detectors: readonly ActiveDetector[];
  key: Uint8Array;
}

// Compiled once per config object: configs are built at start-up and treated as immutable.
const cache = new WeakMap<MaskingConfig, CompiledConfig>();

function checkRule(rule: unknown, what: string): MaskRule {
  if (typeof rule !== 'string' || !RULES.includes(rule)) {
    throw new AirlockError('ERR_MASKING_CONFIG', `${what}: rule must be redact, partial or pseudonym`);
  }
  return rule as MaskRule;
}

/**
 * Validates and compiles a masking config (patterns to matchers, detectors to the enabled
 * list in priority order). Throws ERR_MASKING_CONFIG naming the setting, never data.
 */
export function compileConfig(config: MaskingConfig): CompiledConfig {
  const hit = cache.get(config);
  if (hit !== undefined) return hit;
  const columnRules = config.columns.map((c) => {
    checkRule(c.rule, `column rule "${c.pattern}"`);
    return compileColumnRule(c);
  });
  const detectors: ActiveDetector[] = [];
  for (const detector of ALL_DETECTORS) {
    const setting = config.detectors[detector.name];
    if (setting === undefined) throw new AirlockError('ERR_MASKING_CONFIG', `detector ${detector.name} is not configured`);
    if (setting === 'off') continue;
    detectors.push({ detector, rule: checkRule(setting, `detector ${detector.name}`), bit: 1 << detectors.length });
  }
  const usesPseudonym = columnRules.some((r) => r.rule === 'pseudonym') || detectors.some((d) => d.rule === 'pseudonym');
  if (usesPseudonym && config.key.length < MIN_KEY_BYTES) {
    throw new AirlockError('ERR_MASKING_CONFIG', `masking key must be at least ${MIN_KEY_BYTES} bytes for pseudonyms`);
  }
  const compiled = { columnRules, detectors, key: config.key };
  cache.set(config, compiled);
  return compiled;
}
