import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bashCompletion } from '#cli/commands/completion.js';
import { productionPolicyTemplate } from '#cli/commands/init-policy.js';
import { SPECS, type CommandSpec } from '#cli/program.js';
import { parsePolicy } from '#shared/policy/parse-policy.js';
import { runCli } from '#test/helpers/run-cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function airlock(argv: string[]) {
  const cwd = mkdtempSync(join(tmpdir(), 'airlock-cli-'));
  dirs.push(cwd);
  return runCli(argv, { cwd });
}

/** Every command path, from the spec table itself: a new command cannot skip --help. */
function paths(): Array<{ path: string[]; spec: CommandSpec }> {
  const all: Array<{ path: string[]; spec: CommandSpec }> = [];
  const walk = (spec: CommandSpec, prefix: string[]) => {
    all.push({ path: [...prefix, spec.name], spec });
    for (const s of spec.subcommands ?? []) walk(s, [...prefix, spec.name]);
  };
  for (const s of SPECS) walk(s, []);
  return all;
}

describe('the airlock command line', () => {
  it.each(paths().map((p) => [p.path.join(' '), p.path] as const))('%s --help: usage with examples, exit 0', async (_name, path) => {
    const { code, out, err } = await airlock([...path, '--help']);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toContain(`Usage: airlock ${path.join(' ')}`);
    expect(out).toMatch(/Examples:\n {2}\$ .*airlock /);
  });

  it.each(paths().filter((p) => p.spec.subcommands === undefined).map((p) => [p.path.join(' '), p.path] as const))(
    '%s --no-such-flag: one-line error, then the usage, exit 2',
    async (name, path) => {
      const { code, out, err } = await airlock([...path, ...(name === 'approve' || name === 'deny' || name === 'replay' ? ['X1'] : name === 'verify' ? ['d'] : name === 'completion' ? ['bash'] : []), '--no-such-flag']);
      expect(code).toBe(2);
      expect(out).toBe('');
      const [first, second, third] = err.split('\n');
      expect(first).toBe(`airlock ${name}: unknown option '--no-such-flag'`);
      expect(second).toBe('');
      expect(third).toBe(`Usage: airlock ${name} [options]${third!.slice(`Usage: airlock ${name} [options]`.length)}`);
    },
  );

  it.each([['approve'], ['deny'], ['replay'], ['verify'], ['completion']])('%s without its argument: names it and shows the usage, exit 2', async (name) => {
    const { code, err } = await airlock([name]);
    expect(code).toBe(2);
    expect(err).toMatch(new RegExp(`^airlock ${name}: missing required argument '[a-z-]+'\\n\\nUsage: airlock ${name} `));
  });

  it('rejects an extra argument, an unknown command and a bare subcommand group with exit 2', async () => {
    expect((await airlock(['replay', 'a', 'b'])).err).toMatch(/^airlock replay: too many arguments/);
    expect((await airlock(['nope'])).code).toBe(2);
    const init = await airlock(['init']);
    expect(init.code).toBe(2);
    expect(init.err).toContain('airlock init: a subcommand is required');
    expect((await airlock([])).code).toBe(2);
  });

  it('a reader that closes the pipe early (| head, | true) ends the CLI quietly, no EPIPE stack trace', () => {
    const bin = new URL('../../../cli/bin.js', import.meta.url).pathname;
    // `true` exits before node has started, so every write meets a closed pipe.
    const closed = spawnSync('sh', ['-c', `node ${bin} snowflake apply --help | true`], { encoding: 'utf8', timeout: 60_000 });
    expect(closed.stderr).toBe('');
    const head = spawnSync('sh', ['-c', `node ${bin} snowflake apply --help | head -1`], { encoding: 'utf8', timeout: 60_000 });
    expect(head.stdout).toBe('Usage: airlock snowflake apply [options]\n');
    expect(head.stderr).toBe('');
  }, 60_000);

  it('prints the version from package.json', async () => {
    const { code, out } = await airlock(['--version']);
    expect(code).toBe(0);
    expect(out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('init policy prints a commented policy that loads', async () => {
    const { code, out } = await airlock(['init', 'policy']);
    expect(code).toBe(0);
    expect(out).toBe(productionPolicyTemplate());
    expect(out).toContain('FILL IN');
    const policy = parsePolicy(out, 'production.yaml');
    expect(policy.rules.blocked).toBe('deny');
    expect(policy.approvers.length).toBeGreaterThan(0);
  });

  it('bash completion completes commands, subcommands and flags', () => {
    const complete = (line: string[]): string[] => {
      const script = `${bashCompletion()}\nCOMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${line.length - 1}; _airlock; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return execFileSync('bash', ['-c', script], { encoding: 'utf8' }).split('\n').filter((l) => l !== '');
    };
    expect(complete(['airlock', 've'])).toEqual(['verify']);
    expect(complete(['airlock', 'init', ''])).toContain('policy');
    expect(complete(['airlock', 'export', '--si'])).toEqual(['--since']);
    expect(complete(['airlock', 'completion', ''])).toEqual(expect.arrayContaining(['bash', 'zsh']));
    expect(complete(['airlock', 'snowflake', ''])).toEqual(expect.arrayContaining(['plan', 'apply', 'check']));
    expect(complete(['airlock', 'snowflake', 'check', '--p'])).toEqual(['--policy']);
  });

  it('snowflake plan|apply|check each have their own options: one that belongs to another subcommand is refused', async () => {
    const check = await airlock(['snowflake', 'check', '--projection']);
    expect(check.code).toBe(2);
    expect(check.err).toMatch(/^airlock snowflake check: unknown option '--projection'\n\nUsage: airlock snowflake check /);
    const plan = await airlock(['snowflake', 'plan', '--help']);
    expect(plan.out).toContain('--diff');
    expect(plan.out).not.toContain('--execute');
    expect((await airlock(['snowflake'])).err).toContain('airlock snowflake: a subcommand is required');
  });

  it('zsh completion is a compdef script', async () => {
    const { code, out } = await airlock(['completion', 'zsh']);
    expect(code).toBe(0);
    expect(out.startsWith('#compdef airlock\n')).toBe(true);
    expect(out).toContain('"init") cands=(policy --help)');
  });
});
