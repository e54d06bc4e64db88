/**
 * The machine a bench ran on, the ratio of a row that gives a baseline but no ratio, and the JSON
 * report file `npm run bench` writes so runs can be compared between commits.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, type as osType, release } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow, BenchSection } from './types.js';

export const DEFAULT_REPORT = fileURLToPath(new URL('./results/latest.json', import.meta.url));

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  loadAverage1m: number;
}

export function machine(): Machine {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${osType()} ${release()}`,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

export function describeMachine(m: Machine): string {
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, node ${m.node}, ${m.os}, load ${m.loadAverage1m} at start`;
}

/** `1,234.5 ms` → 1234.5; null when the text does not start with a number. */
function leadingNumber(text: string): number | null {
  const m = /^\s*(-?[\d,]*\.?\d+)/.exec(text);
  if (m === null) return null;
  const n = Number(m[1]!.replace(/,/g, ''));
  return Number.isFinite(n) ? n : null;
}

/**
 * A row with a numeric value and baseline but no ratio gets value ÷ baseline; a row without a
 * baseline is context (a floor, a peak, a pass/fail), marked so in the report rather than left bare.
 */
export function withRatio(row: BenchRow): BenchRow {
  if (row.ratio !== undefined && row.ratio !== '') return row;
  if (row.baseline === undefined || row.baseline === '') return { ...row, ratio: '—', note: row.note ?? 'context (no baseline)' };
  const v = leadingNumber(row.value);
  const b = leadingNumber(row.baseline);
  if (v === null || b === null || b === 0) return { ...row, ratio: 'n/a' };
  const r = v / b;
  return { ...row, ratio: `${r >= 100 ? r.toFixed(0) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}x` };
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function writeReport(path: string, report: { startedAt: string; finishedAt: string; machine: Machine; sections: Array<BenchSection | { title: string; failed: string }> }): string {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...report, commit: gitCommit() }, null, 2)}\n`);
  return file;
}
