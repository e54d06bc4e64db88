import { rules as recommendedRules } from '@secretlint/secretlint-rule-preset-recommend';
import type { Detector, Span, TextStats } from './detector.js';

/**
 * API tokens and credentials, in two layers:
 *
 * 1. Token shapes with a vendor prefix, matched here with bounded regexes: they are found
 *    wherever they sit in a cell and cost one pre-filter test on cells without a prefix.
 *    The shapes are those of secretlint's recommended rules, gitleaks and detect-secrets
 *    (GitHub, Slack, Stripe secret/restricted keys, GCP API keys and OAuth secrets, OpenAI,
 *    Anthropic, npm, SendGrid).
 * 2. secretlint's recommended rule preset (`@secretlint/secretlint-rule-preset-recommend`),
 *    run synchronously through its rule API (`create(context).file(source)`) on cells that
 *    hold a credential URL or another keyword its rules look for: basic-auth URLs (with its
 *    placeholder filtering: `https://${user}:${pass}@…` is not a secret), database
 *    connection strings, Shopify, Linear, 1Password, GCP service-account JSON. secretlint's
 *    own entry point (`lintSource`) is async and masking is synchronous; its rules are
 *    not, so they are called directly. AWS keys and private-key blocks have their own
 *    detectors (secretlint reports the AWS secret key at the wrong offset).
 */

// Each pattern: a boundary where the vendor's prefix can be glued to nothing alphanumeric,
// then bounded repetition, so each attempt is O(1) in the text length.
const PATTERNS: readonly RegExp[] = [
  /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,251}(?![A-Za-z0-9_])/g,
  /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,242}(?![A-Za-z0-9_])/g,
  /(?<![A-Za-z0-9])xox[abposre]-[A-Za-z0-9-]{10,250}/g,
  /(?<![A-Za-z0-9])xapp-\d-[A-Za-z0-9-]{10,250}/g,
  /https?:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{8,250}/g,
  /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,247}(?![A-Za-z0-9])/g,
  /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g,
  /(?<![A-Za-z0-9_-])GOCSPX-[A-Za-z0-9_-]{28}(?![A-Za-z0-9_-])/g,
  /(?<![A-Za-z0-9_-])ya29\.[0-9A-Za-z_-]{20,500}/g,
  /(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{10,200}T3BlbkFJ[A-Za-z0-9_-]{10,200}/g,
  /(?<![A-Za-z0-9_-])sk-ant-(?:api|admin|oat|sid)\d{2}-[A-Za-z0-9_-]{32,250}/g,
  /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/g,
  /(?<![A-Za-z0-9])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g,
];

// One cheap test before any pattern runs: every prefix above, as literals.
const PREFIXES = /gh[pousr]_|github_pat_|xox|xapp-|hooks\.slack|_live_|_test_|AIza|GOCSPX-|ya29\.|sk-|npm_|SG\./;

// `.npmrc` lines: `//registry.npmjs.org/:_authToken=<token>`; the value is the secret, not
// the registry. `${NPM_TOKEN}` is a reference, not a value.
const NPM_AUTH = /\/\/[^\s'"]{1,200}\/:_authToken=[ \t]*(?!\$\{)([^\s'"]{6,500})/g;

// Cells worth handing to secretlint's rules: a URL with user info, or a keyword of a rule.
const SECRETLINT_HINT = /:\/\/[^\s/@]{0,200}:[^\s/]{0,200}@|shp(?:at|ss|ca|pa)_|lin_api_|ops_ey|private_key|service_account/;

/** secretlint's rules cost ~25 µs per call; beyond this size their own regexes are not assumed linear. */
const SECRETLINT_MAX_LENGTH = 16_384;

// Credential URLs, any scheme (https, ftp, mongodb, postgres, redis …): `scheme://user:password@host`.
// The password is the detection. Bounded parts, so O(1) per "://".
const URL_USERINFO = /[A-Za-z][A-Za-z0-9+.-]{0,20}:\/\/([^\s/@:'"`]{1,200}):([^\s/@'"`]{1,200})@([A-Za-z0-9.-]{1,253})/g;
// Documentation placeholders, not credentials: templates, angle/curly brackets, all-capital
// instructions ("YOUR_PASSWORD"), one repeated character ("xxxx", "****", "1111"), very short.
const PLACEHOLDER = /^(?:\$\{.*\}|\{\{?.*\}\}?|<.*>|%s|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|(.)\1*|.{1,3})$/s;
const PLACEHOLDER_WORD = /^(?:my|your)?(?:password|passwd|pass|pwd|secret)$/i;
const PLACEHOLDER_USER = /^(?:my|your|test|db)?(?:user|username|usr|login|name)$/i;
// Example hosts (RFC 2606/6761) and loopback: "username:password@example.com" is documentation.
const EXAMPLE_HOST = /(?:^|\.)(?:example\.(?:com|org|net)|test\.com|[a-z0-9-]+\.(?:test|example|invalid|localhost)|localhost|127\.0\.0\.1)$/i;

/**
 * Passwords in credential URLs. A placeholder is left alone: a template (`${PASS}`,
 * `{{pass}}`), an instruction (`YOUR_PASSWORD`), a repeated character, or a generic
 * user/password pair on an example or loopback host (`username:password@example.com`).
 */
function credentialUrlSpans(text: string, spans: Span[]): void {
  URL_USERINFO.lastIndex = 0;
  for (let m = URL_USERINFO.exec(text); m !== null; m = URL_USERINFO.exec(text)) {
    const user = m[1] ?? '';
    const password = m[2] ?? '';
    const host = m[3] ?? '';
    if (PLACEHOLDER.test(password) || PLACEHOLDER.test(user) && PLACEHOLDER_WORD.test(password)) continue;
    if (PLACEHOLDER_WORD.test(password) && PLACEHOLDER_USER.test(user) && EXAMPLE_HOST.test(host)) continue;
    const end = m.index + m[0].length - host.length - 1;
    spans.push({ start: end - password.length, end });
  }
}

interface RuleReport {
  range: readonly [number, number];
}
interface RuleContext {
  report(descriptor: RuleReport): void;
  ignore(descriptor: unknown): void;
  createTranslator(messages: unknown): (id: string, data?: unknown) => { id: string; data: unknown };
  sharedOptions: Record<string, unknown>;
}
interface SourceCode {
  content: string;
  filePath: string;
  ext: string;
  contentType: 'text';
}
interface RuleHandlers {
  file?: (source: SourceCode) => unknown;
}
interface RuleCreator {
  meta: { id: string };
  create(context: RuleContext, options: Record<string, unknown>): RuleHandlers;
}

/** Rules covered better elsewhere (aws-access-key.ts, private-key.ts) or not detectors (comment filter). */
const SKIPPED_RULES = new Set([
  '@secretlint/secretlint-rule-aws',
  '@secretlint/secretlint-rule-privatekey',
  '@secretlint/secretlint-rule-filter-comments',
]);

// Reports land here while one cell is checked (scanning is synchronous and not re-entered).
let reports: Span[] = [];
const context: RuleContext = {
  report: (descriptor) => {
    reports.push({ start: descriptor.range[0], end: descriptor.range[1] });
  },
  ignore: () => undefined,
  createTranslator: () => (id, data) => ({ id, data }),
  sharedOptions: {},
};
const handlers: ((source: SourceCode) => unknown)[] = (recommendedRules as unknown as RuleCreator[])
  .filter((rule) => !SKIPPED_RULES.has(rule.meta.id))
  .map((rule) => rule.create(context, {}).file)
  .filter((file): file is (source: SourceCode) => unknown => typeof file === 'function');

/**
 * Spans secretlint's recommended rules report in `text`. A rule that throws, or answers
 * with a promise (it would report after the cell has left), masks the whole cell: a secret
 * rule that could not decide is not a reason to let the text through.
 */
function secretlintSpans(text: string): Span[] {
  reports = [];
  const source: SourceCode = { content: text, filePath: 'cell.txt', ext: '.txt', contentType: 'text' };
  for (const file of handlers) {
    try {
      const result = file(source);
      if (result instanceof Promise) {
        result.catch(() => undefined);
        return [{ start: 0, end: text.length }];
      }
    } catch {
      // The error is dropped unread: it may quote the cell.
      return [{ start: 0, end: text.length }];
    }
  }
  return reports.filter((s) => s.start >= 0 && s.end <= text.length && s.end > s.start);
}

/** Sorted, merged, non-overlapping. */
function disjoint(spans: Span[]): Span[] {
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Span[] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last !== undefined && s.start < last.end) last.end = Math.max(last.end, s.end);
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}

/**
 * The cheap test before anything else: every vendor token is a run of 16+ token characters
 * (see `TextStats.longestToken`); a credential URL has "://"; an `.npmrc` line has
 * `_authToken`, a service-account key `private_key`. Prose, ids and addresses cost three indexOf.
 */
function worthScanning(text: string, stats: TextStats): boolean {
  return (
    text.length >= 12 &&
    (stats.longestToken >= 16 || text.indexOf('://') !== -1 || text.indexOf('_authToken') !== -1 || text.indexOf('private_key') !== -1)
  );
}

function find(text: string): Span[] {
  const spans: Span[] = [];
  if (PREFIXES.test(text)) {
    for (const re of PATTERNS) {
      re.lastIndex = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) spans.push({ start: m.index, end: m.index + m[0].length });
    }
  }
  if (text.indexOf('_authToken') !== -1) {
    NPM_AUTH.lastIndex = 0;
    for (let m = NPM_AUTH.exec(text); m !== null; m = NPM_AUTH.exec(text)) {
      const end = m.index + m[0].length;
      spans.push({ start: end - (m[1] ?? '').length, end });
    }
  }
  if (SECRETLINT_HINT.test(text)) {
    credentialUrlSpans(text, spans);
    // Longer cells: the vendor patterns and credential URLs above still run; secretlint's
    // rules are not assumed linear on hostile input.
    if (text.length <= SECRETLINT_MAX_LENGTH) spans.push(...secretlintSpans(text));
  }
  return spans.length === 0 ? spans : disjoint(spans);
}

export const secretDetector: Detector = {
  name: 'secret',
  prefix: 'secret',
  numeric: false,
  worthScanning,
  find,
  normalise: (value) => value,
};
