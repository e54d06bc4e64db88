import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressBar } from '#cli/progress-bar.js';

function stream(tty: boolean): PassThrough & { text: () => string } {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean; text: () => string };
  let out = '';
  s.on('data', (d: Buffer) => (out += d.toString()));
  if (tty) s.isTTY = true;
  s.text = () => out;
  return s;
}

describe('export progress bar', () => {
  it('draws on a terminal and ends with a newline', async () => {
    const s = stream(true);
    const bar = progressBar(s, 10);
    bar.update(5, 10, '500 records');
    bar.update(10, 10, '1000 records');
    bar.done();
    await new Promise((r) => setImmediate(r));
    expect(s.text()).toContain('\r[#####.....] 5/10 sessions, 500 records');
    expect(s.text()).toContain('\r[##########] 10/10 sessions, 1000 records');
    expect(s.text().endsWith('\n')).toBe(true);
  });

  it('writes nothing when stderr is not a terminal (pipes, CI, tests)', async () => {
    const s = stream(false);
    const bar = progressBar(s);
    bar.update(1, 2, 'x');
    bar.done();
    await new Promise((r) => setImmediate(r));
    expect(s.text()).toBe('');
  });
});
