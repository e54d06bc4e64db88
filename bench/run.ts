/**
 * `npm run bench`: every figure Airlock measures, each printed beside its baseline in one run.
 * Sections live in bench/sections; pass names to run a subset (`npm run bench -- masking`).
 */
import type { BenchSection, BenchSectionRunner } from './types.js';
import { DEFAULT_REPORT, describeMachine, machine, withRatio, writeReport } from './report-file.js';

// Sections import the AWS SDK lazily; its Node-20 notice is noise in a benchmark report.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const SECTIONS: Record<string, () => Promise<{ run: BenchSectionRunner }>> = {
  classifier: () => import('./sections/classifier.js'),
  masking: () => import('./sections/masking.js'),
  gateway: () => import('./sections/gateway.js'),
  'export-verify': () => import('./sections/export-verify.js'),
  signing: () => import('./sections/signing.js'),
  approval: () => import('./sections/approval.js'),
  snowflake: () => import('./sections/snowflake.js'),
  'cold-start': () => import('./sections/cold-start.js'),
  load: () => import('./sections/load.js'),
  'fair-use': () => import('./sections/fair-use.js'),
};

function printSection(s: BenchSection): void {
  const header = ['metric', 'value', 'baseline', 'ratio', 'note'];
  const rows = s.rows.map(withRatio).map((r) => [r.metric, r.value, r.baseline ?? '', r.ratio ?? '', r.note ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  process.stdout.write(`\n== ${s.title} ==\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

async function main(): Promise<void> {
  // `--out FILE` moves the JSON report (default bench/results/latest.json).
  const outAt = process.argv.indexOf('--out');
  const outFile = outAt > 0 ? process.argv[outAt + 1] ?? DEFAULT_REPORT : DEFAULT_REPORT;
  const wanted = process.argv.slice(2).filter((a, i, all) => !a.startsWith('-') && all[i - 1] !== '--out');
  const names = wanted.length > 0 ? wanted : Object.keys(SECTIONS);
  const startedAt = new Date().toISOString();
  const host = machine();
  process.stdout.write(`Airlock benchmark — ${startedAt}\nmachine: ${describeMachine(host)}\n`);
  const done: Array<BenchSection | { title: string; failed: string }> = [];
  let failed = 0;
  for (const name of names) {
    const load = SECTIONS[name];
    if (!load) {
      process.stderr.write(`unknown section '${name}'; sections: ${Object.keys(SECTIONS).join(', ')}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`running ${name}…\n`);
    try {
      const section = await (await load()).run();
      printSection(section);
      done.push({ ...section, rows: section.rows.map(withRatio) });
    } catch (e) {
      failed++;
      done.push({ title: name, failed: e instanceof Error ? e.message : String(e) });
      process.stdout.write(`\n== ${name} ==\nFAILED: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    }
  }
  const file = writeReport(outFile, { startedAt, finishedAt: new Date().toISOString(), machine: host, sections: done });
  process.stdout.write(`\nreport written to ${file}\n`);
  if (failed > 0) process.exitCode = 1;
}

await main();
