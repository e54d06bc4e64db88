import type { Writable } from 'node:stream';

/**
 * A one-line progress bar on `stream`, drawn only when it is a terminal: piped or captured
 * stderr gets nothing, so logs and tests stay clean.
 *
 * @example
 * const bar = progressBar(io.stderr); bar.update(3, 10, '1200 records'); bar.done();
 */
export function progressBar(stream: Writable, width = 30): { update(done: number, total: number, note: string): void; done(): void } {
  const tty = (stream as Writable & { isTTY?: boolean }).isTTY === true;
  let drawn = false;
  let last = 0;
  return {
    update(done, total, note) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} sessions, ${note}\u001b[K`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
