import { AirlockError, type AirlockErrorCode } from '../errors.js';

/**
 * A dependency this function was deployed without (each Lambda gets only the variables and
 * grants it needs). It is a plain value, so handlers may copy the deps object (`{ ...deps }`)
 * freely, but any use of it — a method call, a property read — throws `code`, so a path that
 * reaches for it fails closed instead of running half-wired.
 *
 * @example
 * const signer = env.recordsKeyArn === undefined ? notDeployed<Signer>('ERR_SIGNER_UNAVAILABLE', 'the record signing key') : kmsSigner;
 */
export function notDeployed<T extends object>(code: AirlockErrorCode, what: string): T {
  const fail = (): never => {
    throw new AirlockError(code, `this function was deployed without ${what}`);
  };
  return new Proxy({} as T, {
    get: (_target, prop) => {
      // Let inspection (logging, `await`, equality checks) see an inert object rather than throw.
      if (prop === 'then' || typeof prop === 'symbol' || prop === 'toJSON') return undefined;
      return fail();
    },
    set: fail,
    has: fail,
  });
}
