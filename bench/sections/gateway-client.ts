/**
 * The gateway bench's HTTP client, in a process of its own (forked by gateway.ts): an agent never runs
 * inside the gateway's process, and a client there took ~0.5 ms of the gateway's event loop per request
 * (at concurrency 16, the resource every read waits on). node:http with keep-alive.
 * Messages in: { url, token, sql, n, concurrency, offset, health? }; out: { latencies } or { error }.
 * With `health`, each call is a GET /v1/health instead: the HTTP round trip alone, for context.
 */
import { Agent, request } from 'node:http';
import { timedCalls } from '../timed-calls.js';

interface Job {
  url: string;
  token: string;
  sql: string;
  n: number;
  concurrency: number;
  offset: number;
  health?: boolean;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function send(target: URL, token: string, body: string | undefined): Promise<void> {
  const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` };
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: target.hostname, port: target.port, path: target.pathname, method: body === undefined ? 'GET' : 'POST', headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`bench request answered ${res.statusCode}: ${Buffer.concat(chunks).toString()}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function run(job: Job): Promise<number[]> {
  if (job.health === true) {
    const health = new URL(`${job.url}/v1/health`);
    return timedCalls(job.n, job.concurrency, () => send(health, job.token, undefined));
  }
  const target = new URL(`${job.url}/v1/queries`);
  const bodies = Array.from({ length: job.n }, (_, i) => JSON.stringify({ prompt: 'bench', sql: job.sql, sessionId: `bench-${(job.offset + i) % 50}` }));
  return timedCalls(job.n, job.concurrency, (i) => send(target, job.token, bodies[i]!));
}

process.on('message', (job: Job) => {
  run(job).then(
    (latencies) => process.send?.({ latencies }),
    (e: unknown) => process.send?.({ error: String(e) }),
  );
});
process.on('disconnect', () => agent.destroy());
