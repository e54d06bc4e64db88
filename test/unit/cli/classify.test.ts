import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '#cli/commands/classify.js';
import { UsageError, type CliIo } from '#cli/io.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function classifyCli(argv: string[], input: string | Readable, env: NodeJS.ProcessEnv = {}, cwd = repoRoot): Promise<Result> {
  const stdin = typeof input === 'string' ? Readable.from([Buffer.from(input, 'utf8')]) : input;
  const out = collect();
  const err = collect();
  const io: CliIo = { stdin, stdout: out.stream, stderr: err.stream, env, cwd };
  const code = await run(argv, io);
  return { code, stdout: out.text(), stderr: err.text() };
}

function tempPolicy(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-policy-'));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, text);
  return file;
}

describe('airlock classify (one SQL text on stdin)', () => {
  it('prints risk, decision, statements and reasons (classifier first, then policy)', async () => {
    const { code, stdout } = await classifyCli([], 'SELECT name FROM hr.employees');
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['risk', 'decision', 'statements', 'reasons']);
    expect(out).toMatchObject({
      risk: 'read',
      decision: { outcome: 'approval', approvalsRequired: 2 },
      statements: [{ kind: 'select', span: { start: 0, end: 29 }, objects: [{ name: 'HR.EMPLOYEES', kind: 'table' }] }],
    });
    const reasons = out.reasons as { code: string; at: unknown }[];
    expect(reasons.at(0)?.code).toBe('R1');
    expect(reasons.at(-1)).toMatchObject({ code: 'POL-SENSITIVE', at: { line: 1, column: 1, offset: 0 } });
    expect(Object.keys((out.statements as object[])[0] ?? {})).toEqual(['kind', 'span', 'objects', 'columns']);
  });

  it('exits 0 whatever the class', async () => {
    for (const sql of ['', 'DROP DATABASE prod', 'DELETE FROM orders', 'GRANT ROLE x TO USER y']) {
      expect((await classifyCli([], sql)).code).toBe(0);
    }
    expect(JSON.parse((await classifyCli([], '')).stdout)).toMatchObject({ risk: 'invalid', decision: { outcome: 'invalid', approvalsRequired: 0 } });
    expect(JSON.parse((await classifyCli([], 'DROP DATABASE prod')).stdout)).toMatchObject({ risk: 'blocked', decision: { outcome: 'deny' } });
  });

  it('uses --policy, resolved against the working directory, and --groups for overrides', async () => {
    const file = tempPolicy('rules:\n  write: deny\noverrides:\n  - group: data-engineers\n    rules: { write: allow }\n');
    const plain = JSON.parse((await classifyCli(['--policy', file], 'DELETE FROM orders')).stdout);
    expect(plain.decision).toEqual({ outcome: 'deny', approvalsRequired: 0 });
    const group = JSON.parse((await classifyCli(['--policy', 'policy.yaml', '--groups', 'x, data-engineers'], 'DELETE FROM orders', {}, join(file, '..'))).stdout);
    expect(group.decision).toEqual({ outcome: 'allow', approvalsRequired: 0 });
  });

  it('falls back to AIRLOCK_POLICY when --policy is absent', async () => {
    const file = tempPolicy('rules:\n  read: { approval: 3 }\n');
    const out = JSON.parse((await classifyCli([], 'SELECT 1', { AIRLOCK_POLICY: file })).stdout);
    expect(out.decision).toEqual({ outcome: 'approval', approvalsRequired: 3 });
  });

  it('stops with exit 2 and file:line: field on a broken policy', async () => {
    const file = tempPolicy('version: 1\nrules:\n  write: { approval: 0 }\n');
    const { code, stdout, stderr } = await classifyCli(['--policy', file], 'SELECT 1');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${file}:3: rules.write.approval: expected a positive integer`);
  });

  it('stops with exit 2 on a missing policy file', async () => {
    const { code, stderr } = await classifyCli(['--policy', '/nonexistent/p.yaml'], 'SELECT 1');
    expect(code).toBe(2);
    expect(stderr).toContain('/nonexistent/p.yaml: cannot read the policy file');
  });

  it('throws UsageError on unknown flags and positionals', async () => {
    await expect(classifyCli(['--polcy', 'x'], '')).rejects.toBeInstanceOf(UsageError);
    await expect(classifyCli(['SELECT 1'], '')).rejects.toBeInstanceOf(UsageError);
    await expect(classifyCli(['--policy'], '')).rejects.toBeInstanceOf(UsageError);
  });
});

describe('airlock classify --jsonl', () => {
  it('answers each line in order with id, risk, decision and reasons; skips blank lines', async () => {
    const input = [
      '{"id":"a","sql":"SELECT 1"}',
      '',
      '   ',
      '{"id":"b","sql":"DELETE FROM orders"}',
      '{"sql":"DROP SCHEMA s","id":"c"}',
      '{"id":"d","sql":"SELECT 1; SELECT 2"}\r',
    ].join('\n');
    const { code, stdout, stderr } = await classifyCli(['--jsonl'], input);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => Object.keys(l))).toEqual(Array(4).fill(['id', 'risk', 'decision', 'reasons']));
    expect(lines.map((l) => [l.id, l.risk, l.decision])).toEqual([
      ['a', 'read', { outcome: 'allow', approvalsRequired: 0 }],
      ['b', 'write', { outcome: 'approval', approvalsRequired: 1 }],
      ['c', 'blocked', { outcome: 'deny', approvalsRequired: 0 }],
      ['d', 'privileged', { outcome: 'approval', approvalsRequired: 2 }],
    ]);
    expect((lines[1]?.reasons as { code: string }[]).map((r) => r.code)).toEqual(['W1', 'POL-RULE']);
  });

  const bad: [string, string, RegExp][] = [
    ['not JSON', '{"id":"a","sql":"SELECT 1"}\nSELECT 2\n', /^line 2: not JSON/],
    ['a JSON array', '[1,2]\n', /^line 1: expected a JSON object/],
    ['a JSON string', '"SELECT 1"\n', /^line 1: expected a JSON object/],
    ['null', 'null\n', /^line 1: expected a JSON object/],
    ['missing id', '\n{"sql":"SELECT 1"}\n', /^line 2: missing "id"/],
    ['numeric id', '{"id":1,"sql":"SELECT 1"}\n', /^line 1: "id" must be a string/],
    ['missing sql', '{"id":"a"}\n', /^line 1: missing "sql"/],
    ['sql not a string', '{"id":"a","sql":["SELECT 1"]}\n', /^line 1: "sql" must be a string/],
  ];

  it.each(bad)('stops at %s with exit 2 and the line number', async (_what, input, message) => {
    const { code, stdout, stderr } = await classifyCli(['--jsonl'], `${input}{"id":"after","sql":"SELECT 1"}\n`);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).not.toContain('"after"');
  });

  it('keeps what it answered before the bad line', async () => {
    const { stdout } = await classifyCli(['--jsonl'], '{"id":"a","sql":"SELECT 1"}\n{"id":"b"}\n');
    expect(stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['a']);
  });

  it('streams 10,000 lines: output starts before input ends, and a slow reader is waited for', async () => {
    const total = 10_000;
    let produced = 0;
    let producedAtFirstOutput = -1;
    async function* lines(): AsyncGenerator<string> {
      for (let i = 0; i < total; i++) {
        produced++;
        yield `{"id":"q${i}","sql":"SELECT ${i} FROM orders WHERE id = ${i}"}\n`;
      }
    }
    const received: string[] = [];
    let pending = '';
    let maxAhead = 0;
    // A tiny buffer and an asynchronous sink, so `write` returns false and backpressure must be respected.
    const stdout = new Writable({
      highWaterMark: 256,
      write(chunk: Buffer, _enc, done) {
        if (producedAtFirstOutput < 0) producedAtFirstOutput = produced;
        pending += chunk.toString('utf8');
        const parts = pending.split('\n');
        pending = parts.pop() ?? '';
        received.push(...parts);
        maxAhead = Math.max(maxAhead, produced - received.length);
        setImmediate(done);
      },
    });
    const err = collect();
    const code = await run(['--jsonl'], { stdin: Readable.from(lines()), stdout, stderr: err.stream, env: {}, cwd: repoRoot });
    expect(code).toBe(0);
    expect(received).toHaveLength(total);
    expect(received.every((l, i) => l.startsWith(`{"id":"q${i}","risk":"read"`))).toBe(true);
    expect(producedAtFirstOutput).toBeGreaterThan(0);
    expect(producedAtFirstOutput).toBeLessThan(total);
    // Input is read only a bounded distance ahead of what was written (readline pauses at 1,024 queued lines).
    expect(maxAhead).toBeLessThan(2_000);
  });
});

describe('the real entry point', () => {
  function spawnCli(args: string[], input: string): Promise<Result> {
    return new Promise((resolve, reject) => {
      // cli/bin.js is what `npm run -s airlock --` and `npx airlock` run.
      const child = execFile(process.execPath, ['cli/bin.js', 'classify', ...args], { cwd: repoRoot, env: { ...process.env, AIRLOCK_POLICY: '' } }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        if (code === -1) reject(error);
        else resolve({ code, stdout, stderr });
      });
      child.stdin?.end(input);
    });
  }

  it('classifies stdin through `node cli/bin.js classify`', async () => {
    const { code, stdout } = await spawnCli([], 'SELECT email FROM customers');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ risk: 'read', decision: { outcome: 'allow', approvalsRequired: 0 } });
  });

  it('exits 2 with the line number on a bad --jsonl line', async () => {
    const { code, stdout, stderr } = await spawnCli(['--jsonl'], '{"id":"a","sql":"SELECT 1"}\n{"id":"b","sql":1}\n');
    expect(code).toBe(2);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^line 2: "sql" must be a string/m);
  });
});
