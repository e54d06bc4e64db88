/**
 * `npm run bench`: every figure Airlock measures, each printed beside its baseline in one run.
 * Sections live in bench/sections; pass names to run a subset (`npm run bench -- masking`).
 */
import type { BenchSection, BenchSectionRunner } from './types.js';

// Sections import the AWS SDK lazily; its Node-20 notice is noise in a benchmark report.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const SECTIONS: Record<string, () => Promise<{ run: BenchSectionRunner }>> = {
  classifier: () => import('./sections/classifier.js'),
  masking: () => import('./sections/masking.js'),
  gateway: () => import('./sections/gateway.js'),
  'export-verify': () => import('./sections/export-verify.js'),
  approval: () => import('./sections/approval.js'),
  snowflake: () => import('./sections/snowflake.js'),
  'cold-start': () => import('./sections/cold-start.js'),
};

function printSection(s: BenchSection): void {
  const header = ['metric', 'value', 'baseline', 'ratio', 'note'];
  const rows = s.rows.map((r) => [r.metric, r.value, r.baseline ?? '', r.ratio ?? '', r.note ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  process.stdout.write(`\n== ${s.title} ==\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = wanted.length > 0 ? wanted : Object.keys(SECTIONS);
  process.stdout.write(`Airlock benchmark — node ${process.version}, ${new Date().toISOString()}\n`);
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
      printSection(await (await load()).run());
    } catch (e) {
      failed++;
      process.stdout.write(`\n== ${name} ==\nFAILED: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    }
  }
  if (failed > 0) process.exitCode = 1;
}

await main();
