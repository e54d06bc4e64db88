/**
 * `n` calls of `one(0 … n-1)`, `concurrency` of them in flight at a time, each timed from its start
 * to its end; the latencies in ms, in the order the calls ended.
 *
 * @example
 * const latencies = await timedCalls(400, 16, (i) => post(bodies[i]));
 */
export async function timedCalls(n: number, concurrency: number, one: (i: number) => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        await one(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return latencies;
}
