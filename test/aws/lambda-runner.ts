import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { TemplateFunction } from './stack.js';

const CHILD = fileURLToPath(new URL('./lambda-child.mjs', import.meta.url));

export type InvokeResult = { ok: true; result: unknown } | { ok: false; errorType: string; errorMessage: string };

interface Container {
  child: ChildProcess;
  ready: Promise<void>;
  pending: Map<string, (r: InvokeResult) => void>;
}

/**
 * Runs each function's bundle from cdk.out as Lambda would: one long-lived process per
 * function (a warm container), started on first use, with exactly the template's environment
 * plus what the Lambda service itself sets (region, function name, credentials) and the
 * endpoint settings of the emulated world. `/var/task` in a variable is the asset folder,
 * which is what Lambda unzips there. Every invocation is counted per function.
 */
export class LambdaRunner {
  readonly invocations = new Map<string, number>();
  readonly #containers = new Map<string, Container>();
  readonly #byKey = new Map<string, TemplateFunction>();
  readonly #logs = new Map<string, WriteStream>();

  constructor(
    readonly functions: TemplateFunction[],
    readonly runtimeEnv: (fn: TemplateFunction) => Record<string, string>,
    readonly logDir: string,
  ) {
    for (const fn of functions) {
      for (const key of [fn.logicalId, fn.name, fn.arn]) this.#byKey.set(key, fn);
    }
  }

  find(nameOrArn: string): TemplateFunction | undefined {
    return this.#byKey.get(decodeURIComponent(nameOrArn).replace(/:\$LATEST$/, ''));
  }

  byConstructName(name: string): TemplateFunction {
    const fn = this.functions.find((f) => f.logicalId.startsWith(`${name}Function`));
    if (fn === undefined) throw new Error(`no function ${name} in the template`);
    return fn;
  }

  environmentOf(fn: TemplateFunction): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(fn.env)) env[k] = v.startsWith('/var/task/') ? join(fn.assetDir, v.slice('/var/task/'.length)) : v;
    return {
      PATH: process.env['PATH'] ?? '',
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      NODE_OPTIONS: '--enable-source-maps',
      ...this.runtimeEnv(fn),
      ...env,
    };
  }

  #container(fn: TemplateFunction): Container {
    let c = this.#containers.get(fn.logicalId);
    if (c !== undefined) return c;
    const log = createWriteStream(join(this.logDir, `${fn.logicalId}.log`), { flags: 'a' });
    this.#logs.set(fn.logicalId, log);
    const child = fork(CHILD, [fn.assetDir], { env: this.environmentOf(fn), stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    const pending = new Map<string, (r: InvokeResult) => void>();
    const ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => {
        reject(new Error(`${fn.logicalId} exited with ${code} (log: ${join(this.logDir, `${fn.logicalId}.log`)})`));
        for (const done of pending.values()) done({ ok: false, errorType: 'Runtime.ExitError', errorMessage: `exited with ${code}` });
        this.#containers.delete(fn.logicalId);
      });
      child.on('message', (m: any) => {
        if (m.ready === true) return resolve();
        const done = pending.get(m.id);
        pending.delete(m.id);
        done?.(m.ok ? { ok: true, result: m.result } : { ok: false, errorType: m.errorType, errorMessage: m.errorMessage });
      });
    });
    ready.catch(() => undefined);
    c = { child, ready, pending };
    this.#containers.set(fn.logicalId, c);
    return c;
  }

  async invoke(fn: TemplateFunction, event: unknown): Promise<InvokeResult> {
    this.invocations.set(fn.logicalId, (this.invocations.get(fn.logicalId) ?? 0) + 1);
    const c = this.#container(fn);
    await c.ready;
    const id = randomUUID();
    return new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => {
        c.pending.delete(id);
        resolve({ ok: false, errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${fn.timeoutSeconds}.00 seconds` });
      }, fn.timeoutSeconds * 1000);
      c.pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      c.child.send({ id, event, timeoutMs: fn.timeoutSeconds * 1000 });
    });
  }

  /** Ends one function's container (a crash, a cold start next time). */
  kill(fn: TemplateFunction): void {
    this.#containers.get(fn.logicalId)?.child.kill('SIGKILL');
    this.#containers.delete(fn.logicalId);
  }

  async close(): Promise<void> {
    for (const c of this.#containers.values()) c.child.kill('SIGTERM');
    this.#containers.clear();
    for (const l of this.#logs.values()) l.end();
  }
}
