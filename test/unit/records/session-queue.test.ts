import { describe, expect, it } from 'vitest';
import { SessionQueue } from '#shared/records/session-queue.js';

describe('SessionQueue', () => {
  it('runs one task at a time per key, in arrival order, while other keys proceed', async () => {
    const q = new SessionQueue();
    const log: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const a1 = q.run('a', async () => {
      log.push('a1 start');
      await gate;
      log.push('a1 end');
    });
    const a2 = q.run('a', async () => void log.push('a2'));
    const b1 = q.run('b', async () => void log.push('b1'));
    await b1;
    expect(log).toEqual(['a1 start', 'b1']);
    release();
    await Promise.all([a1, a2]);
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });

  it('passes results and errors through without stalling the queue', async () => {
    const q = new SessionQueue();
    const bad = q.run('a', async () => {
      throw new Error('boom');
    });
    const good = q.run('a', async () => 42);
    await expect(bad).rejects.toThrow('boom');
    expect(await good).toBe(42);
  });
});
