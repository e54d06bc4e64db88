/**
 * `airlock classify [--policy FILE] [--groups a,b] [--jsonl] [--explain]`: the classifier and the policy,
 * offline, on SQL from stdin. Runs and records nothing.
 *
 * `--explain` prints, for every statement that is `privileged` only because the grammar did not accept it (P-U),
 * one line with the exact token and position where the grammar stopped and what it expected there (string
 * literals masked), so a gap can be reported in one line. With `--jsonl` each output line gets a `gaps` array.
 *
 * The decision is for a principal with no groups (a plain agent), unless `--groups` names
 * some: `--groups data-engineers` shows what that group's overrides change.
 * The policy is `--policy`, else `AIRLOCK_POLICY`, else the repo's policy/default.yaml.
 */
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { isAirlockError } from '#shared/errors.js';
import type { Principal } from '#shared/identity/principal.js';
import { decide } from '#shared/policy/decide.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import type { Policy } from '#shared/policy/policy.js';
import { classify } from '#shared/sql/classify.js';
import { formatGap, grammarGaps } from '#shared/sql/grammar-gaps.js';
import { parseCommandArgs, type CliIo, type Command } from '../io.js';

const USAGE = 'usage: airlock classify [--policy FILE] [--groups a,b] [--jsonl] [--explain] < input';

export const run: Command = async (argv, io) => {
  const options = parseOptions(argv);
  let policy: Policy;
  try {
    const file = options.policy ?? io.env.AIRLOCK_POLICY;
    policy = loadPolicy(file === undefined || file === '' ? undefined : resolve(io.cwd, file));
  } catch (e) {
    if (isAirlockError(e) && e.code === 'ERR_POLICY_INVALID') {
      io.stderr.write(`airlock classify: invalid policy\n${e.message}\n`);
      return 2;
    }
    throw e;
  }
  // Not a real identity: only `groups` matters to the policy, and the CLI has no token.
  const principal: Principal = { iss: 'airlock-cli', sub: 'cli', groups: options.groups };
  return options.jsonl ? classifyLines(policy, principal, io, options.explain) : classifyOne(policy, principal, io, options.explain);
};

function parseOptions(argv: string[]): { policy?: string; groups: string[]; jsonl: boolean; explain: boolean } {
  const { values } = parseCommandArgs(
    { args: argv, options: { policy: { type: 'string' }, groups: { type: 'string' }, jsonl: { type: 'boolean' }, explain: { type: 'boolean' } }, strict: true, allowPositionals: false },
    USAGE,
  );
  const groups = (values.groups ?? '').split(',').map((g) => g.trim()).filter((g) => g !== '');
  return { ...(values.policy === undefined ? {} : { policy: values.policy }), groups, jsonl: values.jsonl === true, explain: values.explain === true };
}

/** One SQL text (all of stdin, byte for byte) → one JSON object. */
async function classifyOne(policy: Policy, principal: Principal, io: CliIo, explain: boolean): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer));
  // Buffer#toString keeps a BOM, which the classifier must see (docs/risk-rules.md §0).
  const sql = Buffer.concat(chunks).toString('utf8');
  const classification = classify(sql);
  if (explain) {
    const gaps = grammarGaps(sql);
    const lines = [`risk: ${classification.risk}`];
    if (gaps.length === 0) lines.push(`no grammar gap: every statement parsed; the class comes from ${[...new Set(classification.reasons.map((r) => r.code))].join(', ') || 'no rule'}`);
    for (const g of gaps) lines.push(formatGap(g));
    await write(io.stdout, `${lines.join('\n')}\n`);
    return 0;
  }
  const decision = decide(policy, classification, principal, sql);
  const out = {
    risk: classification.risk,
    decision: { outcome: decision.outcome, approvalsRequired: decision.approvalsRequired },
    statements: classification.statements.map((s) => ({ kind: s.kind, span: s.span, objects: s.objects, columns: s.columns })),
    reasons: [...classification.reasons, ...decision.reasons],
  };
  await write(io.stdout, `${JSON.stringify(out, null, 2)}\n`);
  return 0;
}

/**
 * Lines `{"id","sql"}` → lines `{"id","risk","decision","reasons"}`, in order, one at a time:
 * readline pauses stdin while a line waits, and `write` waits for `drain`, so memory stays
 * flat however long the input is.
 */
async function classifyLines(policy: Policy, principal: Principal, io: CliIo, explain: boolean): Promise<number> {
  const lines = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      const item = parseLine(line);
      if (typeof item === 'string') {
        io.stderr.write(`line ${lineNo}: ${item}\n`);
        return 2;
      }
      const classification = classify(item.sql);
      const decision = decide(policy, classification, principal, item.sql);
      const out = {
        id: item.id,
        risk: classification.risk,
        decision: { outcome: decision.outcome, approvalsRequired: decision.approvalsRequired },
        reasons: [...classification.reasons, ...decision.reasons],
        ...(explain ? { gaps: grammarGaps(item.sql) } : {}),
      };
      await write(io.stdout, `${JSON.stringify(out)}\n`);
    }
  } finally {
    lines.close();
  }
  return 0;
}

/** The line's `{ id, sql }`, or what is wrong with it. */
function parseLine(line: string): { id: string; sql: string } | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return `not JSON (${e instanceof Error ? e.message : String(e)})`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected a JSON object { "id", "sql" }';
  const { id, sql } = value as Record<string, unknown>;
  if (typeof id !== 'string') return id === undefined ? 'missing "id"' : '"id" must be a string';
  if (typeof sql !== 'string') return sql === undefined ? 'missing "sql"' : '"sql" must be a string';
  return { id, sql };
}

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}
