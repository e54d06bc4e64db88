import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sinceInstant } from '#cli/commands/export.js';
import { UsageError } from '#cli/io.js';
import { canonicalJson } from '#shared/records/canonical.js';
import type { SessionRecord } from '#shared/records/types.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';
import { cli, conversation, exportTo, newWorld, type World } from '#test/fixtures/export/export-fixtures.js';

const t = tempDir('airlock-verify-all-');
let w: World;
let base: string;

beforeAll(async () => {
  w = await newWorld(t.dir);
  await conversation(w, 's1', { unknownOutcome: true });
  await conversation(w, 's2');
  await conversation(w, 's3', { unknownOutcome: true });
  base = join(t.dir, 'base');
  await exportTo(w, base);
});
afterAll(() => t.cleanup());

/** A copy of the good export with the body of `seq` changed in each named session. */
function tampered(name: string, targets: Array<[string, number]>): string {
  const dir = join(t.dir, name);
  cpSync(base, dir, { recursive: true });
  const ls = readFileSync(join(dir, 'records.jsonl'), 'utf8').trimEnd().split('\n');
  for (const [sessionId, seq] of targets) {
    const i = ls.findIndex((l) => {
      const r = JSON.parse(l) as SessionRecord;
      return r.sessionId === sessionId && r.seq === seq;
    });
    const r = JSON.parse(ls[i]!) as SessionRecord;
    (r.body as Record<string, unknown>)['tampered'] = true;
    ls[i] = canonicalJson(r);
  }
  writeFileSync(join(dir, 'records.jsonl'), `${ls.join('\n')}\n`);
  return dir;
}

describe('airlock verify --all', () => {
  it('lists every failure grouped by session; the failed session’s findings are not listed apart', async () => {
    const dir = tampered('two', [['s1', 3], ['s2', 2]]);
    const first = await cli(['verify', dir]);
    expect(first.code).toBe(1);
    expect(first.out).toContain('FAILED: session s1 seq 3: hash_mismatch');
    expect(first.out).toMatch(/further problem\(s\); the first is shown; --all lists every one/);
    // s1's outcome_unknown follows from its broken chain; s3's is independent and stays.
    expect(first.out).not.toMatch(/finding: outcome_unknown: session s1/);
    expect(first.out).toMatch(/finding: outcome_unknown: session s3/);

    const all = await cli(['verify', dir, '--all']);
    expect(all.code).toBe(1);
    const out = all.out;
    const s1 = out.indexOf('session s1:\n');
    const s2 = out.indexOf('session s2:\n');
    const s3 = out.indexOf('session s3:\n');
    expect(s1).toBeGreaterThan(-1);
    expect(s2).toBeGreaterThan(s1);
    expect(s3).toBeGreaterThan(s2);
    expect(out.slice(s1, s2)).toMatch(/ {2}failure: seq 3: hash_mismatch/);
    expect(out.slice(s2, s3)).toMatch(/ {2}failure: seq 2: hash_mismatch/);
    expect(out.slice(s3)).toMatch(/ {2}finding: outcome_unknown: session s3/);
    expect(out).not.toMatch(/outcome_unknown: session s1/);
    // The first failure still decides the summary line.
    expect(out).toContain('FAILED: session s1 seq 3: hash_mismatch');
    expect(out).not.toContain('further problem');
  });

  it('an untouched export with --all: findings grouped, exit 0', async () => {
    const r = await cli(['verify', base, '--all']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/session s1:\n {2}finding: outcome_unknown/);
    expect(r.out).toMatch(/^OK: /m);
  });

  it('an export with no record says EMPTY, not OK, and exits 3 (with --all too)', async () => {
    const dir = join(t.dir, 'empty');
    await exportTo(w, dir, { sessionId: 'no-such-session' });
    for (const args of [['verify', dir], ['verify', dir, '--all']]) {
      const r = await cli(args);
      expect(r.code).toBe(3);
      expect(r.out).toMatch(/^EMPTY: the export holds no record/m);
      expect(r.out).not.toMatch(/^OK/m);
    }
  });

  it('an empty export whose manifest was altered fails (exit 1), not EMPTY', async () => {
    const dir = join(t.dir, 'empty-tampered');
    await exportTo(w, dir, { sessionId: 'no-such-session' });
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, sessions: [{ sessionId: 'forged', head: 'x', count: 1 }] }));
    const r = await cli(['verify', dir]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAILED: /m);
    expect(r.out).not.toMatch(/^EMPTY/m);
  });
});

describe('export --since', () => {
  it('turns a duration into the instant that long ago, and refuses anything else', () => {
    const now = Date.parse('2026-03-10T12:00:00.000Z');
    expect(sinceInstant('1h', now)).toBe('2026-03-10T11:00:00.000Z');
    expect(sinceInstant('30m', now)).toBe('2026-03-10T11:30:00.000Z');
    expect(sinceInstant('7d', now)).toBe('2026-03-03T12:00:00.000Z');
    expect(sinceInstant('2w', now)).toBe('2026-02-24T12:00:00.000Z');
    for (const bad of ['0h', '1', 'h', '-1h', '1y', '1.5h', '']) expect(() => sinceInstant(bad, now)).toThrow(UsageError);
  });
});
