/** The policy engine: parse/load a YAML policy, decide on a classification, derive masking and approver facts. */
export type { Approver, ColumnRuleSpec, Policy, PolicyOverride, PolicyRules, RuleAction, RuleRisk, SensitiveAction, SensitiveObjectRule } from './policy.js';
export { DEFAULT_DETECTORS, MAX_RESULT_BYTES, MAX_STATEMENT_TIMEOUT_SECONDS, POLICY_DEFAULTS, policySchema } from './policy-schema.js';
export { parsePolicy, type PolicyIssue } from './parse-policy.js';
export { DEFAULT_POLICY_PATH, loadPolicy } from './load-policy.js';
export { decide, POLICY_REASON_CODES, type Decision } from './decide.js';
export { ruleFor, type EffectiveRule } from './rules-for.js';
export { matchSensitiveObject, type SensitiveMatch } from './match-sensitive-object.js';
export { resolveObjectName, type ResolvedName } from './resolve-object-name.js';
export { isAuditor } from './is-auditor.js';
export { findApprover } from './find-approver.js';
export { maskingConfigOf, sensitiveColumnPatterns } from './masking-config.js';
