import { fail, ok, reason, type DoctorCheck } from './doctor-check.js';

/**
 * The OIDC JWKS URL answers, with JSON `{ "keys": [...] }` holding at least one signing key —
 * what the functions fetch to verify every agent's token.
 */
export async function jwksCheck(url: string, timeoutMs = 5_000): Promise<DoctorCheck> {
  const label = `OIDC JWKS ${url}`;
  const fix = 'set airlock:oidcJwksUrl to the IdP\'s JWKS URL (docs/deploy.md §2 lists it per IdP) and redeploy';
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  } catch (e) {
    return fail(label, `no answer: ${reason((e as { cause?: unknown }).cause ?? e)}`, fix);
  }
  if (!res.ok) return fail(label, `HTTP ${res.status}`, fix);
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    return fail(label, 'the answer is not JSON', fix);
  }
  const keys = (body as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) return fail(label, 'the answer has no keys', fix);
  const usable = keys.filter((k) => typeof k === 'object' && k !== null && typeof (k as { kty?: unknown }).kty === 'string' && (k as { use?: string }).use !== 'enc');
  if (usable.length === 0) return fail(label, `none of its ${keys.length} key(s) is a signing key`, fix);
  return ok(label, `${usable.length} signing key(s) (${[...new Set(usable.map((k) => (k as { kty: string }).kty))].join(', ')})`);
}
