import { DynamoDbRecordStore } from '#shared/adapters/aws/dynamodb-record-store.js';
import { DynamoDbRequestStore } from '#shared/adapters/aws/dynamodb-request-store.js';
import { AirlockError } from '#shared/errors.js';
import type { FaultName } from '#shared/config/env.js';
import type { Notifier } from '#shared/ports/notifier.js';
import type { RecordStore } from '#shared/ports/record-store.js';
import type { RequestStore } from '#shared/ports/request-store.js';
import type { Signer } from '#shared/ports/signer.js';
import type { Warehouse } from '#shared/ports/warehouse.js';
import { localDynamoDbClient } from './dynalite-server.js';

/**
 * `AIRLOCK_FAULTS` (tests and drills only): decorators the local wiring puts around its real
 * adapters so each failure the issue lists can be reproduced by hand on a real server:
 *
 * - `store-fail`          every record-store and request-store call goes to the real DynamoDB adapters pointed at a
 *                         loopback port where nothing listens, i.e. a stopped dynalite (→ ERR_STORE_UNAVAILABLE)
 * - `signer-fail`         every signature fails (ERR_SIGNER_UNAVAILABLE); the key id and public key still answer
 * - `warehouse-fail`      every statement is refused by the warehouse (ERR_WAREHOUSE, → query.failed, 422)
 * - `warehouse-timeout`   every statement times out (ERR_WAREHOUSE_TIMEOUT, → query.failed, 504)
 * - `crash-after-execute` the process SIGKILLs itself after the warehouse ran a statement, before the outcome record
 * - `slack-post-fail`     posting the approval message fails (ERR_NOTIFIER_UNAVAILABLE); the workflow retries
 *                         its 3 times (pauses shortened to NOTIFY_RETRY_MS), then the request expires
 *
 * Faults stay disarmed while the runtime starts (its own startup reads the store), and apply
 * from `arm()` on, i.e. to every request served. Only local/runtime.ts constructs this.
 *
 * @example
 * const faults = new FaultInjector(env.AIRLOCK_FAULTS, () => process.kill(process.pid, 'SIGKILL'));
 * const warehouse = faults.warehouse(realWarehouse); … faults.arm();
 */
export class FaultInjector {
  readonly #on: ReadonlySet<FaultName>;
  readonly #crash: () => void;
  #armed = false;

  constructor(faults: readonly FaultName[], crash: () => void) {
    this.#on = new Set(faults);
    this.#crash = crash;
  }

  get active(): FaultName[] {
    return [...this.#on];
  }

  has(fault: FaultName): boolean {
    return this.#armed && this.#on.has(fault);
  }

  arm(): void {
    this.#armed = true;
  }

  records(inner: RecordStore): RecordStore {
    return this.#switchTo(inner, 'store-fail', () => new DynamoDbRecordStore(this.#deadClient()));
  }

  requests(inner: RequestStore): RequestStore {
    return this.#switchTo(inner, 'store-fail', () => new DynamoDbRequestStore(this.#deadClient()));
  }

  #dead: ReturnType<typeof localDynamoDbClient> | undefined;
  #deadClient(): ReturnType<typeof localDynamoDbClient> {
    // Port 1 on loopback: connection refused at once, as when dynalite is stopped.
    this.#dead ??= localDynamoDbClient(DEAD_ENDPOINT);
    return this.#dead;
  }

  signer(inner: Signer): Signer {
    if (!this.#on.has('signer-fail')) return inner;
    return {
      keyId: () => inner.keyId(),
      publicKeyPem: () => inner.publicKeyPem(),
      ...(inner.ready === undefined ? {} : { ready: () => inner.ready!() }),
      sign: async (message) => {
        if (this.has('signer-fail')) throw new AirlockError('ERR_SIGNER_UNAVAILABLE', 'injected fault (signer-fail): the signing key is unavailable');
        return inner.sign(message);
      },
    };
  }

  warehouse(inner: Warehouse): Warehouse {
    if (!['warehouse-fail', 'warehouse-timeout', 'crash-after-execute'].some((f) => this.#on.has(f as FaultName))) return inner;
    return {
      name: inner.name,
      close: () => inner.close(),
      execute: async (input) => {
        if (this.has('warehouse-fail')) throw new AirlockError('ERR_WAREHOUSE', 'injected fault (warehouse-fail): the warehouse refused the statement', { details: { sqlState: '58000' } });
        if (this.has('warehouse-timeout')) throw new AirlockError('ERR_WAREHOUSE_TIMEOUT', `injected fault (warehouse-timeout): the statement ran past its ${input.timeoutMs} ms timeout and was cancelled`);
        const result = await inner.execute(input);
        // The statement ran; the process dies before `query.executed` is appended.
        if (this.has('crash-after-execute')) this.#crash();
        return result;
      },
    };
  }

  notifier(inner: Notifier): Notifier {
    if (!this.#on.has('slack-post-fail')) return inner;
    return {
      postApproval: async (view) => {
        if (this.has('slack-post-fail')) throw new AirlockError('ERR_NOTIFIER_UNAVAILABLE', 'injected fault (slack-post-fail): Slack chat.postMessage failed: service_unavailable');
        return inner.postApproval(view);
      },
      updateApproval: (ref, view) => inner.updateApproval(ref, view),
      tellUser: (ref, user, text) => inner.tellUser(ref, user, text),
      ...(inner.postDigest === undefined || inner.updateDigest === undefined
        ? {}
        : {
            postDigest: async (views) => {
              if (this.has('slack-post-fail')) throw new AirlockError('ERR_NOTIFIER_UNAVAILABLE', 'injected fault (slack-post-fail): Slack chat.postMessage failed: service_unavailable');
              return inner.postDigest!(views);
            },
            updateDigest: (ref, views) => inner.updateDigest!(ref, views),
          }),
    };
  }

  /**
   * The workflow's Retry pause for the notify task while `slack-post-fail` is on: the deployed
   * 5 s / 10 s / 20 s backoff would make a drill (and its test) wait 35 s of real time; the retry
   * count and the fail-closed end are the same.
   */
  notifyRetryIntervals(): Record<string, number> | undefined {
    return this.#on.has('slack-post-fail') ? { Notify: NOTIFY_RETRY_MS } : undefined;
  }

  /** While `fault` is armed, every method call goes to `broken()` (made once) instead of `inner`. */
  #switchTo<T extends object>(inner: T, fault: FaultName, broken: () => T): T {
    if (!this.#on.has(fault)) return inner;
    let down: T | undefined;
    return new Proxy(inner, {
      get: (target, prop) => {
        const value: unknown = Reflect.get(target, prop);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (!this.has(fault)) return (value as (...a: unknown[]) => unknown).apply(target, args);
          down ??= broken();
          return (Reflect.get(down, prop) as (...a: unknown[]) => unknown).apply(down, args);
        };
      },
    });
  }
}

/** The notify task's pause between retries under `slack-post-fail` (ms). */
export const NOTIFY_RETRY_MS = 50;

export const DEAD_ENDPOINT = 'http://127.0.0.1:1';
