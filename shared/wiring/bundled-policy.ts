import { readFileSync } from 'node:fs';
import { AirlockError } from '../errors.js';
import type { Policy } from '../policy/policy.js';
import { policySchema } from '../policy/policy-schema.js';

/** The policy's file name inside every Lambda bundle, beside `index.mjs`. */
export const BUNDLED_POLICY_FILE = 'policy.json';

/**
 * Reads the policy the CDK app validated from YAML at synth time (`loadPolicy`, with
 * line-numbered errors) and bundled as JSON, and validates it again with the same schema,
 * so a function fails closed on a damaged bundle — without shipping a YAML parser.
 *
 * @example
 * const policy = loadBundledPolicy(`${process.env.LAMBDA_TASK_ROOT}/policy.json`);
 */
export function loadBundledPolicy(path: string): Policy {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new AirlockError('ERR_POLICY_INVALID', `${path}: cannot read the bundled policy`, { cause });
  }
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AirlockError('ERR_POLICY_INVALID', `${path}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
