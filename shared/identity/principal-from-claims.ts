import type { JWTPayload } from 'jose';
import { AirlockError } from '../errors.js';
import type { Principal } from './principal.js';

/**
 * Builds the principal from verified claims. Wrongly typed claims fail (ERR_TOKEN_CLAIMS)
 * rather than being dropped: a groups claim we cannot read must not silently become "no groups".
 *
 * @example
 * principalFromClaims({ iss: 'https://idp', sub: 'u1', groups: ['a', 'b'] }, 'groups'); // groups ['a', 'b']
 */
export function principalFromClaims(payload: JWTPayload, groupsClaim: string): Principal {
  const iss = payload.iss;
  const sub = payload.sub;
  if (typeof iss !== 'string' || iss === '' || typeof sub !== 'string' || sub === '') throw claims('iss and sub must be non-empty strings');
  const principal: Principal = { iss, sub, groups: readGroups(claimAt(payload, groupsClaim), groupsClaim) };
  const email = payload['email'];
  if (email !== undefined) {
    if (typeof email !== 'string') throw claims('email must be a string');
    principal.email = email;
  }
  const clientId = payload['azp'] ?? payload['client_id'];
  if (clientId !== undefined) {
    if (typeof clientId !== 'string') throw claims('azp/client_id must be a string');
    principal.clientId = clientId;
  }
  const act = payload['act'];
  if (act !== undefined) {
    // RFC 8693 §4.1: the outermost `act` is the current actor; nested ones are prior actors.
    if (typeof act !== 'object' || act === null || typeof (act as Record<string, unknown>)['sub'] !== 'string') {
      throw claims('act must be an object with a string sub');
    }
    const a = act as Record<string, unknown>;
    principal.act = { sub: a['sub'] as string };
    if (typeof a['iss'] === 'string') principal.act.iss = a['iss'];
  }
  return principal;
}

// Some IdPs nest groups (Keycloak: `realm_access.roles`); a top-level key with the exact name wins.
function claimAt(payload: JWTPayload, path: string): unknown {
  if (path in payload) return payload[path];
  let node: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function readGroups(value: unknown, name: string): string[] {
  if (value === undefined || value === null) return [];
  // A string is refused, not split: "admins" and ["admins"] must not be the same thing by accident.
  if (Array.isArray(value) && value.every((g): g is string => typeof g === 'string')) return [...value];
  throw claims(`${name} must be an array of strings`);
}

function claims(message: string): AirlockError {
  return new AirlockError('ERR_TOKEN_CLAIMS', `the token's claims are unusable: ${message}`);
}
