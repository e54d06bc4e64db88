import { expect } from 'vitest';
import { AirlockError, type AirlockErrorCode } from '#shared/errors.js';

/**
 * Asserts that `work` (a promise, or a function that may throw or return one) fails with an
 * `AirlockError` of `code` — or, for `'OK'`, that it succeeds. Anything else thrown fails the
 * assertion. Returns the error for further checks (null for `'OK'`).
 *
 * @example
 * await expectCode(submitQuery(deps, principal, input), 'ERR_STORE_UNAVAILABLE');
 * const e = await expectCode(() => parseQueryInput(value), 'ERR_VALIDATION');
 */
export async function expectCode(work: Promise<unknown> | (() => unknown), code: AirlockErrorCode | 'OK'): Promise<AirlockError | null> {
  let thrown: { error: unknown } | null = null;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    thrown = { error };
  }
  if (thrown === null) {
    expect('OK', 'it succeeded').toBe(code);
    return null;
  }
  expect(thrown.error, 'it failed, but not with an AirlockError').toBeInstanceOf(AirlockError);
  const e = thrown.error as AirlockError;
  expect(e.code, `it failed with ${e.code}: ${e.message}`).toBe(code);
  return e;
}
