/** Who is asking, built from a verified OIDC token. Identity is `iss` + `sub`. */
export interface Principal {
  iss: string;
  sub: string;
  email?: string;
  groups: string[];
  /** OAuth client id (`azp` or `client_id`), when the token has one. */
  clientId?: string;
  /** RFC 8693 actor: the agent acting for `sub`. */
  act?: { sub: string; iss?: string };
}

export function identityKey(p: Pick<Principal, 'iss' | 'sub'>): string {
  return `${p.iss}#${p.sub}`;
}
