/** Latency percentiles (nearest rank; the benches use them too) and the printed summary of `npm run loadtest`. */

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return 0;
  const i = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[i]!;
}

export interface LoadSummary {
  requests: number;
  concurrency: number;
  sessions: number;
  wallSeconds: number;
  byOutcome: Record<string, number>;
  unexpected: string[];
  fiveXx: number;
  approvals: { clicked: number; approved: number; denied: number; finalMismatch: number };
  records: { written: number; expected: number };
  chains: { verified: number; expected: number; verifyExit: number; verifyLine: string; findings: number };
  latencyMs: { p50: number; p99: number; max: number; byKind: Record<string, { p50: number; p99: number }> };
  /** RSS of the process serving the load (runtime + load generator): at the start and the peak. */
  memoryMiB: { atStart: number; peak: number };
}

export function passed(s: LoadSummary): boolean {
  return (
    s.fiveXx === 0 &&
    s.unexpected.length === 0 &&
    s.records.written === s.records.expected &&
    s.chains.verifyExit === 0 &&
    s.chains.verified === s.chains.expected &&
    s.chains.findings === 0 &&
    s.approvals.finalMismatch === 0
  );
}

export function render(s: LoadSummary): string {
  const lines: string[] = [];
  const rate = (s.requests / s.wallSeconds).toFixed(0);
  lines.push(`Airlock load test — ${s.requests} requests, concurrency ${s.concurrency}, ${s.sessions} sessions, ${s.wallSeconds.toFixed(1)} s (${rate} req/s)`);
  lines.push('');
  lines.push('requests by outcome:');
  for (const [k, n] of Object.entries(s.byOutcome).sort()) lines.push(`  ${k.padEnd(34)} ${String(n).padStart(6)}`);
  lines.push(`5xx responses:                       ${s.fiveXx} (target 0)`);
  lines.push(`unexpected answers:                  ${s.unexpected.length}${s.unexpected.length > 0 ? `  e.g. ${s.unexpected.slice(0, 3).join(' | ')}` : ''}`);
  lines.push(`approval clicks (signed Slack path): ${s.approvals.clicked} (approved ${s.approvals.approved}, denied ${s.approvals.denied}); wrong final status: ${s.approvals.finalMismatch}`);
  lines.push(`records written vs expected:         ${s.records.written} / ${s.records.expected}${s.records.written === s.records.expected ? ' (equal)' : ' (MISMATCH)'}`);
  lines.push(`chains verified:                     ${s.chains.verified} / ${s.chains.expected} (airlock verify exit ${s.chains.verifyExit}; outcome findings ${s.chains.findings})`);
  lines.push(`  ${s.chains.verifyLine}`);
  lines.push(`latency (submit, all kinds):         p50 ${s.latencyMs.p50.toFixed(1)} ms, p99 ${s.latencyMs.p99.toFixed(1)} ms, max ${s.latencyMs.max.toFixed(1)} ms`);
  for (const [k, v] of Object.entries(s.latencyMs.byKind).sort()) lines.push(`  ${k.padEnd(34)} p50 ${v.p50.toFixed(1)} ms, p99 ${v.p99.toFixed(1)} ms`);
  lines.push(`memory (runtime + client, RSS):      ${s.memoryMiB.atStart} MiB at start, ${s.memoryMiB.peak} MiB peak`);
  lines.push('');
  lines.push(passed(s) ? 'PASS: zero 5xx, every record present, every chain verifies' : 'FAIL');
  return lines.join('\n');
}
