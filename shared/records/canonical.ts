import canonicalize from 'canonicalize';
import { AirlockError } from '../errors.js';

/**
 * RFC 8785 (JCS) canonical JSON: keys sorted by UTF-16 code units, no whitespace,
 * ECMAScript number serialisation, minimal string escaping. The hash of a record is
 * taken over these exact bytes, so the same value gives the same bytes in every
 * runtime and years later in an offline verifier.
 *
 * Values JCS cannot represent (NaN, ±Infinity, lone UTF-16 surrogates, cycles, BigInt,
 * or a top-level `undefined`) throw AirlockError 'ERR_VALIDATION' rather than being
 * written in some lossy form: a lone surrogate in a submitted prompt must be refused,
 * not silently recorded as something the agent did not send.
 *
 * @example
 * canonicalJson({ b: 1, a: [1e30, 4.5, 'é'] }); // '{"a":[1e+30,4.5,"é"],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  let out: string | undefined;
  try {
    out = canonicalize(value);
  } catch (cause) {
    throw new AirlockError('ERR_VALIDATION', `value cannot be canonicalised (RFC 8785): ${(cause as Error).message}`, {
      cause,
    });
  }
  if (out === undefined) {
    throw new AirlockError('ERR_VALIDATION', 'value has no JSON representation');
  }
  return out;
}
