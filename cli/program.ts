import { Command as Program, CommanderError, Option } from 'commander';
import type { CliIo, Command } from './io.js';

/**
 * The one CLI grammar: every command, subcommand, option and argument of `airlock`, with its
 * help and examples. Commander validates the command line (unknown flags, missing or extra
 * arguments → the command's usage and a one-line error, exit 2; `--help` → exit 0); the
 * command module then runs with the same arguments (its own checks are for values, such as a
 * Slack user id or a TTL).
 */
export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional arguments in commander syntax: `<required>`, `[optional]`. */
  args?: string[];
  /** Options in commander syntax, with their help text. */
  options?: Array<[flags: string, help: string]>;
  examples: string[];
  /** Lines after the examples: exit codes, environment. */
  notes?: string[];
  load?: () => Promise<{ run: Command }>;
  subcommands?: CommandSpec[];
}

const POLICY_OPTION: [string, string] = ['--policy <file>', 'the policy file (default: AIRLOCK_POLICY or policy/default.yaml)'];
const ROLE_OPTION: [string, string] = ['--role <role>', "Airlock's Snowflake role, the one that sees masked values (default SNOWFLAKE_ROLE)"];
const SCHEMA_OPTION: [string, string] = ['--schema <db.schema>', 'where the tag, policies and function are created (default <SNOWFLAKE_DATABASE>.AIRLOCK_GOVERNANCE)'];
const PROJECTION_OPTION: [string, string] = ['--projection', 'also add projection policies for redact columns'];
const GOVERNANCE_ROLE_OPTION: [string, string] = ['--governance-role <role>', 'the role that applies the DDL (never the service role)'];

/** `airlock snowflake SUB …` runs cli/commands/snowflake.ts with the subcommand first, as it parses it. */
function snowflakeSubcommand(sub: 'plan' | 'apply' | 'check'): () => Promise<{ run: Command }> {
  return async () => {
    const m = await import('./commands/snowflake.js');
    return { run: (argv, io) => m.run([sub, ...argv], io) };
  };
}

const AWS_NOTES = 'The data folder is AIRLOCK_DATA_DIR (default ./.airlock); with none set, the CLI finds a running runtime through runtime.json.';

export const SPECS: CommandSpec[] = [
  {
    name: 'serve',
    summary: 'start the local runtime (what `npm start` runs)',
    examples: ['airlock serve', 'AIRLOCK_PORT=0 AIRLOCK_DATA_DIR=/tmp/airlock airlock serve   # any free port, another data folder'],
    notes: ['Environment: AIRLOCK_PORT (default 8787; 0 = any free port), AIRLOCK_DATA_DIR (default ./.airlock), AIRLOCK_POLICY.', 'Exit 0 after Ctrl-C; 1 when it cannot start (a busy port says which variable to set).'],
    load: () => import('./commands/serve.js'),
  },
  {
    name: 'token',
    summary: 'print a dev OIDC token signed by the local issuer',
    options: [
      ['--sub <sub>', 'subject (default: agent)'],
      ['--email <email>', 'email claim (default: agent@example.com)'],
      ['--groups <a,b>', 'comma-separated groups (default: none)'],
      ['--ttl <duration>', 'lifetime: 30s, 15m, 1h, 2d or seconds, at most 30 days (default: 1h)'],
    ],
    examples: ['airlock token', 'airlock token --email approver1@example.com --groups analysts --ttl 15m'],
    notes: [AWS_NOTES],
    load: () => import('./commands/token.js'),
  },
  {
    name: 'classify',
    summary: 'classify SQL from stdin (or --jsonl lines) and print the decision',
    options: [
      ['--policy <file>', 'policy file (default: AIRLOCK_POLICY, else policy/default.yaml)'],
      ['--groups <a,b>', 'decide for a principal in these groups'],
      ['--jsonl', 'read lines {"id","sql"}, write one JSON line each'],
      ['--explain', 'say where the grammar stopped for SQL that is privileged only because it did not parse'],
    ],
    examples: ["echo 'SELECT * FROM customers' | airlock classify", "echo 'DELETE FROM orders' | airlock classify --groups data-engineers", "echo 'MERGE …' | airlock classify --explain"],
    notes: ['Exit 0 whatever the class; 2 on a bad policy or input line.'],
    load: () => import('./commands/classify.js'),
  },
  {
    name: 'approve',
    summary: 'approve a pending request as a Slack user (signed interaction to the local runtime)',
    args: ['<request-id>'],
    options: [
      ['--as <slack-user-id>', 'the approver, a Slack user id (U… or W…)'],
      ['--reason <text>', 'a reason, recorded with the vote'],
      ['--sql-hash <hash>', 'the SQL hash the click approves (default: read from GET /v1/queries/{id})'],
    ],
    examples: ['airlock approve 01JC0Z8Q6N6J9V4Y5T0W2E3R4T --as UAPPROVER1'],
    notes: ['Exit 0 recorded, 1 refused (self-approval, second vote, already decided, not an approver), 2 usage, transport or signature error.', AWS_NOTES, 'AIRLOCK_URL overrides the runtime URL (loopback only).'],
    load: () => import('./commands/approve.js'),
  },
  {
    name: 'deny',
    summary: 'deny a pending request as a Slack user (signed interaction to the local runtime)',
    args: ['<request-id>'],
    options: [
      ['--as <slack-user-id>', 'the approver, a Slack user id (U… or W…)'],
      ['--reason <text>', 'a reason, recorded with the vote'],
    ],
    examples: ["airlock deny 01JC0Z8Q6N6J9V4Y5T0W2E3R4T --as UAPPROVER1 --reason 'not in this quarter'"],
    notes: ['Exit 0 recorded, 1 refused, 2 usage, transport or signature error.', AWS_NOTES],
    load: () => import('./commands/deny.js'),
  },
  {
    name: 'replay',
    summary: "print a session's transcript and whether its chain verifies",
    args: ['<session-id>'],
    options: [
      ['--html <file>', 'also write the transcript as a self-contained HTML report'],
      ['--policy <file>', 'the policy naming the approvers (default AIRLOCK_POLICY, else policy/default.yaml)'],
    ],
    examples: ['airlock replay demo-session', 'airlock replay demo-session --html replay.html --policy policy/production.yaml'],
    notes: ['Exit 0 the chain verifies, 1 it does not, 2 usage or no such session.', AWS_NOTES],
    load: () => import('./commands/replay.js'),
  },
  {
    name: 'export',
    summary: 'export sessions for compliance: records, checkpoints, requests.csv, keys, signed manifest',
    options: [
      ['--out <dir>', 'a new folder to write (required)'],
      ['--since <duration>', 'sessions from this long ago until now: 30m, 1h, 7d'],
      ['--from <iso>', 'from this instant (a bare date = the start of that UTC day)'],
      ['--to <iso>', 'until this instant (a bare date = the end of that UTC day)'],
      ['--session <id>', 'only this session'],
      ['--identity <sub>', "only this identity's sessions"],
      ['--aws', 'read the deployed tables (AWS credentials from the environment)'],
      ['--endpoint <url>', 'a DynamoDB endpoint (implies --aws)'],
      ['--table-prefix <p>', 'table name prefix (default: airlock)'],
      ['--region <r>', 'AWS region'],
      ['--export-key-arn <arn>', 'KMS key that signs the manifest'],
      ['--records-key-arn <arn>', 'KMS key that signs the records'],
      ['--checkpoint-function <name>', 'Lambda that seals the last checkpoint before the export'],
      ['--export-key <file>', 'PEM file of the export key (emulated tier)'],
      ['--records-key <file>', 'PEM file of a record key, repeatable (emulated tier)'],
    ],
    examples: ['airlock export --since 1h --out audit-today', 'airlock export --from 2026-03-01 --to 2026-03-31 --out audit-2026-03', 'airlock export --session demo-session --out one-session'],
    notes: ['Exit 0 done, 1 the store or a signer failed, 2 usage, 3 nothing matched the selection (said on stderr; the folder holds an empty signed export).', AWS_NOTES],
    load: () => import('./commands/export.js'),
  },
  {
    name: 'verify',
    summary: 'verify an export offline: hashes, links, signatures, manifest, checkpoints',
    args: ['<dir>'],
    options: [
      ['--trusted-keys <file>', 'public keys to trust instead of the ones in the export'],
      ['--threads <n>', 'signature-checking threads, 1 to 64'],
      ['--all', 'list every failure and finding, grouped by session (the first failure decides the exit code)'],
    ],
    examples: ['airlock verify audit-2026-03', 'airlock verify audit-2026-03 --all --trusted-keys keys.pem'],
    notes: ['Exit 0 everything holds (findings printed), 1 a check failed, 2 usage, 3 the export holds no record (EMPTY instead of OK).'],
    load: () => import('./commands/verify.js'),
  },
  {
    name: 'mcp',
    summary: 'MCP server on stdio for Claude (AIRLOCK_URL, AIRLOCK_TOKEN or AIRLOCK_TOKEN_COMMAND)',
    examples: ["AIRLOCK_TOKEN_COMMAND='npx airlock token' npx airlock mcp", 'claude mcp add airlock -- npx airlock mcp'],
    notes: ['stdout carries only the MCP protocol; logs go to stderr.'],
    load: () => import('./commands/mcp.js'),
  },
  {
    name: 'reconcile',
    summary: "match Snowflake's query history of the service user with the records; settle outcome_unknown",
    options: [
      ['--from <iso>', 'start of the window (ISO 8601)'],
      ['--to <iso>', 'end of the window (ISO 8601)'],
      ['--out <dir>', 'also write findings.jsonl and a signed reconcile.json (airlock verify DIR checks it)'],
      ['--settle-after <seconds>', 'settle an outcome_unknown request only when its query ended this long ago (default 120)'],
      ['--aws', 'read the deployed tables (AWS credentials from the environment); read-only: settles nothing'],
      ['--endpoint <url>', 'a DynamoDB/KMS endpoint (implies --aws)'],
      ['--table-prefix <p>', 'table name prefix (default: airlock)'],
      ['--region <r>', 'AWS region'],
      ['--export-key-arn <arn>', 'with --aws --out: KMS key that signs reconcile.json'],
      ['--export-key <file>', 'with --aws --out: PEM file of the export key (emulated tier)'],
    ],
    examples: [
      'airlock reconcile --from 2026-12-01T00:00:00Z --to 2026-12-02T00:00:00Z --out reconcile-0112',
      'airlock reconcile --aws --from 2026-12-01 --to 2026-12-01 --out rc-0112 --export-key-arn arn:aws:kms:…   # as the auditor role',
    ],
    notes: ['Exit 0 nothing flagged, 1 something flagged, 2 usage or could not finish. Snowflake from SNOWFLAKE_*; docs/reconcile.md.', AWS_NOTES],
    load: () => import('./commands/reconcile.js'),
  },
  {
    name: 'snowflake',
    summary: 'compile masking.columns into Snowflake governance: plan | apply | check (docs/snowflake-governance.md)',
    examples: ['airlock snowflake plan --role AIRLOCK_ROLE', 'airlock snowflake apply --governance-role GOVERNANCE_ADMIN --execute', 'airlock snowflake check'],
    notes: ['Connections from SNOWFLAKE_*; docs/snowflake-governance.md. Each subcommand answers --help.'],
    subcommands: [
      {
        name: 'plan',
        summary: 'print the Snowflake DDL that masks the policy\'s columns for Airlock\'s role',
        options: [POLICY_OPTION, ROLE_OPTION, SCHEMA_OPTION, PROJECTION_OPTION, ['--diff', 'print only what differs from what is in place (needs --governance-role)'], GOVERNANCE_ROLE_OPTION],
        examples: ['airlock snowflake plan --role AIRLOCK_ROLE', 'airlock snowflake plan --diff --governance-role GOVERNANCE_ADMIN'],
        notes: ['Exit 0 printed, 2 usage or could not read the catalog.'],
        load: snowflakeSubcommand('plan'),
      },
      {
        name: 'apply',
        summary: 'run the plan as the governance role, one statement at a time, each recorded in system/governance',
        options: [
          GOVERNANCE_ROLE_OPTION,
          POLICY_OPTION,
          ROLE_OPTION,
          SCHEMA_OPTION,
          PROJECTION_OPTION,
          ['--diff', 'apply only what differs from what is in place'],
          ['--dry-run', 'print what apply would run, run nothing (default when CI=true)'],
          ['--execute', 'run apply even when CI=true'],
        ],
        examples: ['airlock snowflake apply --governance-role GOVERNANCE_ADMIN', 'airlock snowflake apply --governance-role GOVERNANCE_ADMIN --diff --dry-run'],
        notes: ['Exit 0 applied, 1 a statement failed (the report says what was and was not applied), 2 usage.'],
        load: snowflakeSubcommand('apply'),
      },
      {
        name: 'check',
        summary: 'from the service role, read one value of every masked column and say which come back unmasked',
        options: [POLICY_OPTION],
        examples: ['airlock snowflake check', 'airlock snowflake check --policy policy/production.yaml'],
        notes: ['Exit 0 every column masked, 1 a column is unmasked, empty or failed (named), 2 usage.'],
        load: snowflakeSubcommand('check'),
      },
    ],
  },
  {
    name: 'doctor',
    summary: 'check a local setup, or a deployed stack end to end (--aws), and say in words what is wrong',
    options: [
      ['--policy <file>', 'local: the policy file (default: AIRLOCK_POLICY, else policy/default.yaml)'],
      ['--aws', 'check the deployed stack: tables, KMS keys, secrets, Slack auth.test, Snowflake SELECT 1 and cost guards, OIDC JWKS'],
      ['--endpoint <url>', 'one endpoint for every AWS client (implies --aws; default AWS_ENDPOINT_URL)'],
      ['--region <r>', 'AWS region (default AWS_REGION, else us-east-1)'],
      ['--table-prefix <p>', 'table name prefix, the stack\'s airlock:prefix (default: airlock)'],
      ['--records-key-arn <arn>', 'KMS key that signs records (default: alias/<prefix>-records)'],
      ['--export-key-arn <arn>', 'KMS key that signs export manifests (default: alias/<prefix>-exports)'],
      ['--slack-secret <name>', 'Slack secret (default: airlock/slack)'],
      ['--snowflake-secret <name>', 'Snowflake secret (default: airlock/snowflake)'],
      ['--masking-secret <name>', 'the generated masking-key secret (checked only when given)'],
      ['--jwks-url <url>', 'the OIDC JWKS URL (default: OIDC_JWKS_URL)'],
    ],
    examples: ['airlock doctor', 'airlock doctor --aws --region eu-west-1 --jwks-url https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys'],
    notes: ['One line per check: ok, WARN (printed, not failing) or FAIL with what is wrong and how to fix it. Exit 0 nothing failed, 1 a check failed, 2 usage. Secret values are never printed.', AWS_NOTES],
    load: () => import('./commands/doctor.js'),
  },
  {
    name: 'init',
    summary: 'print starter files to fill in',
    examples: ['airlock init policy > policy/production.yaml'],
    subcommands: [
      {
        name: 'policy',
        summary: 'print a commented production policy to fill in (to stdout)',
        examples: ['airlock init policy > policy/production.yaml', 'AIRLOCK_POLICY=policy/production.yaml airlock classify --policy policy/production.yaml < my-queries.sql'],
        load: () => import('./commands/init-policy.js'),
      },
    ],
  },
  {
    name: 'completion',
    summary: 'print a shell completion script (bash or zsh)',
    args: ['<shell>'],
    examples: ['source <(airlock completion bash)            # in ~/.bashrc', 'airlock completion zsh > "${fpath[1]}/_airlock"   # zsh'],
    load: () => import('./commands/completion.js'),
  },
];

/** What commander decided: run this command module with these arguments, or exit with this code. */
export type Parsed = { kind: 'run'; path: string; spec: CommandSpec; argv: string[] } | { kind: 'exit'; code: number };

function examplesText(spec: CommandSpec): string {
  const lines = ['', 'Examples:', ...spec.examples.map((e) => `  $ ${e}`)];
  if (spec.notes !== undefined) lines.push('', ...spec.notes);
  return lines.join('\n');
}

/** The commander program for `airlock`, writing to the CLI's streams and never exiting the process. */
export function buildProgram(io: CliIo, version: string, onRun: (path: string, spec: CommandSpec, argv: string[]) => void): Program {
  const program = new Program('airlock')
    .description('Airlock: an approval-gated, recorded SQL gateway between AI agents and Snowflake')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .addHelpCommand('help [command]', 'show help for a command')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      // Errors are printed by `parseCommandLine` in one fixed shape.
      outputError: () => undefined,
    })
    .addHelpText('after', '\nExamples:\n  $ airlock serve\n  $ airlock token\n  $ airlock export --since 1h --out audit && airlock verify audit\n\nRun `airlock <command> --help` for a command\'s options and examples.');
  const add = (parent: Program, spec: CommandSpec, prefix: string): void => {
    const cmd = parent.command(spec.name).description(spec.summary).addHelpText('after', examplesText(spec));
    for (const a of spec.args ?? []) cmd.argument(a);
    for (const [flags, help] of spec.options ?? []) {
      const opt = new Option(flags, help);
      // A repeatable option (export --records-key) collects its values; the rest keep the last.
      cmd.addOption(flags.startsWith('--records-key ') ? opt.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]) : opt);
    }
    const path = `${prefix}${spec.name}`;
    if (spec.subcommands !== undefined) {
      for (const sub of spec.subcommands) add(cmd, sub, `${path} `);
      return;
    }
    cmd.action(() => onRun(path, spec, rawArgs(cmd)));
  };
  for (const spec of SPECS) add(program, spec, '');
  return program;
}

/** The words after the command's name, as typed. */
function rawArgs(cmd: Program): string[] {
  const stored = (cmd as unknown as { _airlockRaw?: string[] })._airlockRaw;
  return stored ?? [];
}

/**
 * Parses `argv` (without `node airlock`). Help and version print to stdout (exit 0); a usage
 * error prints `airlock <command>: <one line>` and the command's usage to stderr (exit 2).
 */
export function parseCommandLine(argv: string[], io: CliIo, version: string): Parsed {
  let result: Parsed | undefined;
  const program = buildProgram(io, version, (path, spec, args) => (result = { kind: 'run', path, spec, argv: args }));
  // Remember each command's own words so the module sees exactly what the user typed.
  const depth = (program.commands.find((c) => c.name() === argv[0])?.commands.length ?? 0) > 0 ? 2 : 1;
  const target = findCommand(program, argv.slice(0, depth));
  if (target !== undefined) (target as unknown as { _airlockRaw?: string[] })._airlockRaw = argv.slice(depth);
  if (argv.length === 0) {
    io.stderr.write(program.helpInformation());
    return { kind: 'exit', code: 2 };
  }
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (e.exitCode === 0) return { kind: 'exit', code: 0 };
    const failing = findCommand(program, argv) ?? program;
    const name = failing === program ? 'airlock' : `airlock ${commandPath(failing)}`;
    // A command with subcommands and none given (`airlock init`): commander has printed its help.
    if (e.code === 'commander.help') {
      io.stderr.write(`${name}: a subcommand is required\n`);
      return { kind: 'exit', code: 2 };
    }
    io.stderr.write(`${name}: ${e.message.replace(/^error: /, '')}\n\n${failing.helpInformation()}`);
    return { kind: 'exit', code: 2 };
  }
  if (result === undefined) {
    // `airlock init` without its subcommand.
    const failing = findCommand(program, argv) ?? program;
    io.stderr.write(`airlock ${commandPath(failing)}: a subcommand is required\n\n${failing.helpInformation()}`);
    return { kind: 'exit', code: 2 };
  }
  return result;
}

/** The deepest command named by the leading words of argv. */
function findCommand(program: Program, argv: string[]): Program | undefined {
  let cmd: Program | undefined;
  let at = program;
  for (const word of argv) {
    const next = at.commands.find((c) => c.name() === word);
    if (next === undefined) break;
    cmd = next;
    at = next;
  }
  return cmd;
}

function commandPath(cmd: Program): string {
  const names: string[] = [];
  for (let c: Program | null = cmd; c !== null && c.parent !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
