import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTORS } from '#shared/policy/policy-schema.js';
import type { MaskingConfig } from '#shared/masking/types.js';
import { loadDetectorCorpus, scoreDetectorCorpus } from '#test/fixtures/detector-corpus.js';
import { KEY } from './masking-fixtures.js';

const RECALL_FLOOR = 0.98;
const KEEP_FLOOR = 0.97;

describe('content detectors on the labelled corpus of real-world cells', () => {
  const cells = loadDetectorCorpus();
  // The detectors as the default policy configures them (partial phones keep their last 4 digits).
  const config: MaskingConfig = { columns: [], detectors: { ...DEFAULT_DETECTORS }, key: KEY };

  it('has at least 400 cells, sensitive and not, each with a source', () => {
    expect(cells.length).toBeGreaterThanOrEqual(400);
    expect(cells.filter((c) => c.label === 'none').length).toBeGreaterThanOrEqual(150);
    for (const c of cells) expect(c.source).not.toBe('');
  });

  it(`masks ≥ ${RECALL_FLOOR} of sensitive cells and leaves ≥ ${KEEP_FLOOR} of the others unchanged`, () => {
    const score = scoreDetectorCorpus(cells, config);
    const report = [
      `recall ${score.recall.toFixed(4)} (${score.sensitive - score.missed.length}/${score.sensitive}), keep ${score.keep.toFixed(4)} (${score.cells - score.sensitive - score.changed.length}/${score.cells - score.sensitive})`,
      ...score.missed.map((c) => `MISSED ${c.label}: ${JSON.stringify(c.text.slice(0, 120))} (${c.source})`),
      ...score.changed.map(({ cell, masked }) => `CHANGED: ${JSON.stringify(cell.text.slice(0, 100))} -> ${JSON.stringify(masked.slice(0, 100))} (${cell.source})`),
    ].join('\n');
    console.log(report);
    expect(score.recall, report).toBeGreaterThanOrEqual(RECALL_FLOOR);
    expect(score.keep, report).toBeGreaterThanOrEqual(KEEP_FLOOR);
  });
});
