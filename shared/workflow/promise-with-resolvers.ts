/**
 * `Promise.withResolvers` (ES2024) for Node 20. aws-local-stepfunctions 3.0.0 calls it in every
 * Task state (its timeout race) and Node 20 does not have it (Node 22 does): without this file a
 * locally-run Task fails with "Promise.withResolvers is not a function". Imported once, by the
 * local workflow adapter; a no-op where the runtime has it. Remove when Node 20 support ends.
 */
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

type WithResolvers = <T>() => Resolvers<T>;

export function withResolvers<T>(): Resolvers<T> {
  let resolve!: Resolvers<T>['resolve'];
  let reject!: Resolvers<T>['reject'];
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const P = Promise as unknown as { withResolvers?: WithResolvers };
if (typeof P.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', { value: withResolvers, writable: true, configurable: true, enumerable: false });
}
