import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';
import type { SignatureChecker, SignatureJob } from '../records/signature-checker.js';

// Each job travels as fixed-size bytes (hash, 2-byte key index, DER length, DER), so a batch is one
// transferred ArrayBuffer, not thousands of cloned objects. A P-256 DER signature is ≤ 72 bytes.
const MAX_DER = 72;
const STRIDE = 32 + 2 + 1 + MAX_DER;
// Two bytes of key index: an export signed by hourly certified keys has one key per process-hour.
const MAX_KEYS = 65_536;
const BATCH = 512;
const IN_FLIGHT_PER_WORKER = 4;

// Plain JS evaluated in the worker (no TypeScript loader there), using node:crypto only.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const keys = workerData.pems.map((p) => createPublicKey(p));
const STRIDE = ${STRIDE};
parentPort.on('message', ({ id, buf, n }) => {
  const bytes = new Uint8Array(buf);
  const ok = new Uint8Array(n);
  for (let i = 0; i < n; i += 1) {
    const o = i * STRIDE;
    const key = keys[bytes[o + 32] | (bytes[o + 33] << 8)];
    const len = bytes[o + 34];
    try {
      ok[i] = key !== undefined && verify('sha256', bytes.subarray(o, o + 32), { key, dsaEncoding: 'der' }, bytes.subarray(o + 35, o + 35 + len)) ? 1 : 0;
    } catch {
      ok[i] = 0;
    }
  }
  parentPort.postMessage({ id, ok }, [ok.buffer]);
});
`;

interface Batch {
  jobs: SignatureJob[];
  buf: Uint8Array;
}

/**
 * A SignatureChecker on worker threads (one per core by default): ECDSA verification is the
 * costliest step of `airlock verify`, and runs there while the main thread parses and hashes.
 * Backlog is bounded (`ready()`), so memory stays flat however many records stream through.
 *
 * @example
 * const checker = new WorkerSignatureChecker(keys);
 * const v = new ChainVerifier(keys, { signatures: checker });
 */
export class WorkerSignatureChecker implements SignatureChecker {
  readonly #workers: Worker[];
  readonly #load: number[];
  readonly #keyIndex = new Map<string, number>();
  readonly #pending = new Map<number, { batch: Batch; worker: number }>();
  readonly #failed: SignatureJob[] = [];
  #current: Batch = { jobs: [], buf: new Uint8Array(BATCH * STRIDE) };
  #nextId = 0;
  #error: Error | null = null;
  #waiters: Array<() => void> = [];

  constructor(keys: ReadonlyMap<string, KeyObject>, options: { threads?: number } = {}) {
    const pems: string[] = [];
    for (const [id, key] of keys) {
      this.#keyIndex.set(id, pems.length);
      pems.push(key.export({ type: 'spki', format: 'pem' }).toString());
    }
    const n = Math.max(1, options.threads ?? availableParallelism());
    this.#workers = Array.from({ length: n }, (_, w) => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { pems } });
      worker.on('message', (m: { id: number; ok: Uint8Array }) => this.#done(m.id, m.ok));
      worker.on('error', (e) => this.#crash(e));
      worker.on('exit', (code) => {
        if (code !== 0) this.#crash(new Error(`signature worker ${w} exited with code ${code}`));
      });
      return worker;
    });
    this.#load = this.#workers.map(() => 0);
  }

  check(job: SignatureJob): void {
    const der = Buffer.from(job.sig, 'base64');
    const key = this.#keyIndex.get(job.keyId);
    if (der.length > MAX_DER || key === undefined || key >= MAX_KEYS) {
      this.#failed.push(job);
      return;
    }
    const b = this.#current;
    const o = b.jobs.length * STRIDE;
    b.buf.set(Buffer.from(job.hash, 'hex'), o);
    b.buf[o + 32] = key & 0xff;
    b.buf[o + 33] = key >> 8;
    b.buf[o + 34] = der.length;
    b.buf.set(der, o + 35);
    b.jobs.push(job);
    if (b.jobs.length === BATCH) this.#flush();
  }

  #flush(): void {
    const batch = this.#current;
    if (batch.jobs.length === 0) return;
    this.#current = { jobs: [], buf: new Uint8Array(BATCH * STRIDE) };
    let w = 0;
    for (let i = 1; i < this.#load.length; i += 1) if ((this.#load[i] ?? 0) < (this.#load[w] ?? 0)) w = i;
    const id = this.#nextId++;
    this.#pending.set(id, { batch, worker: w });
    this.#load[w] = (this.#load[w] ?? 0) + 1;
    const buf = batch.buf.buffer;
    this.#workers[w]?.postMessage({ id, buf, n: batch.jobs.length }, [buf as ArrayBuffer]);
  }

  #done(id: number, ok: Uint8Array): void {
    const p = this.#pending.get(id);
    if (p === undefined) return;
    this.#pending.delete(id);
    this.#load[p.worker] = (this.#load[p.worker] ?? 1) - 1;
    p.batch.jobs.forEach((job, i) => {
      if (ok[i] !== 1) this.#failed.push(job);
    });
    this.#wake();
  }

  #crash(e: Error): void {
    this.#error ??= e;
    this.#wake(true);
  }

  #wake(all = false): void {
    const limit = this.#workers.length * IN_FLIGHT_PER_WORKER;
    while (this.#waiters.length > 0 && (all || this.#error !== null || this.#pending.size < limit || this.#pending.size === 0)) this.#waiters.shift()?.();
  }

  async ready(): Promise<void> {
    if (this.#error !== null) throw this.#error;
    if (this.#pending.size < this.#workers.length * IN_FLIGHT_PER_WORKER) return;
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
    if (this.#error !== null) throw this.#error;
  }

  async finish(): Promise<SignatureJob[]> {
    this.#flush();
    try {
      while (this.#pending.size > 0 && this.#error === null) await new Promise<void>((resolve) => this.#waiters.push(resolve));
      if (this.#error !== null) throw this.#error;
      return this.#failed;
    } finally {
      await Promise.all(this.#workers.map((w) => w.terminate()));
    }
  }
}
