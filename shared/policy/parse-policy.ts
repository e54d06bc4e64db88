import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { z } from 'zod';
import { AirlockError } from '#shared/errors.js';
import type { Policy } from './policy.js';
import { policySchema } from './policy-schema.js';
import { rememberBounded } from '../bounded-cache.js';

/** One problem in a policy file, located for a human: `policy.yaml:12: rules.write.approval: …`. */
export interface PolicyIssue {
  line: number;
  column: number;
  /** Field path, e.g. `rules.write.approval` or `overrides[1].group`; empty for the document itself. */
  path: string;
  message: string;
}

/** Beyond this many, further issues are usually consequences of the first ones. */
const MAX_REPORTED_ISSUES = 20;

/**
 * Parses and validates a YAML policy, filling in every default (docs/interfaces.md "Default policy").
 * Throws `AirlockError('ERR_POLICY_INVALID')` whose message has one line per problem,
 * `<fileName>:<line>: <field path>: <what was expected>`, and whose `details.issues` holds them as data.
 *
 * @example
 * const policy = parsePolicy('rules:\n  write: allow\n', 'policy.yaml');
 * policy.rules.write; // 'allow'
 * policy.rules.privileged; // { approval: 2 } (default)
 *
 * parsePolicy('rules:\n  write: { approval: 0 }\n', 'policy.yaml');
 * // throws ERR_POLICY_INVALID "policy.yaml:2: rules.write.approval: expected a positive integer"
 */
export function parsePolicy(text: string, fileName: string): Policy {
  // A text that parsed before gives a fresh copy of what it gave then: the YAML parse and the
  // schema's checks took 4 ms of CPU each time, and every wiring, fixture and CLI command loads it.
  const key = `${fileName}\u0000${text}`;
  const known = PARSED.get(key);
  if (known !== undefined) return structuredClone(known);
  const policy = parseUncached(text, fileName);
  rememberBounded(PARSED, key, structuredClone(policy), PARSED_MAX);
  return policy;
}

/** Policies parsed in this process, by file name and exact text (errors are not kept). */
const PARSED = new Map<string, Policy>();
const PARSED_MAX = 64;

function parseUncached(text: string, fileName: string): Policy {
  const lineCounter = new LineCounter();
  // prettyErrors: false keeps messages to one line; positions come from the line counter instead.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): { line: number; column: number } => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  if (doc.errors.length > 0) {
    throw policyError(
      fileName,
      doc.errors.map((e) => ({ ...at(e.pos[0]), path: '', message: `YAML syntax: ${e.message}` })),
    );
  }

  // An empty file (or one with only comments) is the all-defaults policy.
  const input: unknown = doc.contents === null ? {} : doc.toJS({ maxAliasCount: 100 });
  const result = policySchema.safeParse(input);
  if (result.success) return result.data;

  const issues = result.error.issues.flatMap(unwrapUnion).map((issue) => locate(doc.contents, issue, at));
  throw policyError(fileName, issues);
}

function policyError(fileName: string, issues: PolicyIssue[]): AirlockError {
  const lines = issues
    .slice(0, MAX_REPORTED_ISSUES)
    .map((i) => `${fileName}:${i.line}: ${i.path === '' ? '' : `${i.path}: `}${i.message}`);
  if (issues.length > MAX_REPORTED_ISSUES) lines.push(`… and ${issues.length - MAX_REPORTED_ISSUES} more`);
  return new AirlockError('ERR_POLICY_INVALID', lines.join('\n'), { details: { file: fileName, issues } });
}

type Segment = string | number;

/**
 * A union (`allow | deny | { approval: N }`) reports one vague issue when every branch fails.
 * When exactly one branch accepted the value's type (its issues are all nested, e.g. at
 * `approval`), that branch's issues are the precise ones: `rules.write.approval: expected …`.
 */
function unwrapUnion(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const typed = issue.errors.filter((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
  const [only] = typed;
  if (typed.length !== 1 || only === undefined) return [issue];
  return only.flatMap((i) => unwrapUnion({ ...i, path: [...issue.path, ...i.path] }));
}

function locate(
  root: Node | null,
  issue: z.core.$ZodIssue,
  at: (offset: number) => { line: number; column: number },
): PolicyIssue {
  const path: Segment[] = issue.path.filter((s): s is Segment => typeof s !== 'symbol');
  let message = issue.message;
  let offset = 0;

  if (issue.code === 'unrecognized_keys') {
    // Point at the first unknown key itself, not at the map that holds it.
    const key = issue.keys[0] ?? '';
    const found = findNode(root, path);
    const keyNode = found.complete ? findKeyNode(found.node, key) : undefined;
    offset = keyNode?.range?.[0] ?? found.node?.range?.[0] ?? 0;
    path.push(key);
    message = issue.keys.length > 1 ? `unknown fields ${issue.keys.join(', ')}` : 'unknown field';
  } else {
    const found = findNode(root, path);
    offset = found.node?.range?.[0] ?? 0;
    // A missing field has no node: say so, at the position of the map that should hold it.
    if (!found.complete && issue.code === 'invalid_type' && issue.input === undefined) message = `missing, ${message}`;
  }

  if (path.length === 0 && issue.code === 'invalid_type') message = 'expected a mapping of policy fields';
  return { ...at(offset), path: formatPath(path), message };
}

/** Walks the YAML tree along a zod path; returns the deepest node reached. */
function findNode(root: Node | null, path: Segment[]): { node: Node | null; complete: boolean } {
  let node: Node | null = root;
  for (const segment of path) {
    const next = child(node, segment);
    if (next === undefined) return { node, complete: false };
    node = next;
  }
  return { node, complete: true };
}

function child(node: Node | null, segment: Segment): Node | null | undefined {
  if (isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && keyOf(p.key) === String(segment));
    if (pair === undefined) return undefined;
    // `write:` with no value: point at the key, the only thing on that line.
    return (pair.value as Node | null) ?? (pair.key as Node | null);
  }
  if (isSeq(node) && typeof segment === 'number') {
    return (node.items[segment] as Node | undefined) ?? undefined;
  }
  return undefined;
}

function findKeyNode(node: Node | null, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  const pair = node.items.find((p) => keyOf(p.key) === key);
  return (pair?.key as Node | undefined) ?? undefined;
}

function keyOf(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

function formatPath(path: Segment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}
