import { createHash, createPublicKey } from 'node:crypto';
import { importSPKI, jwtVerify } from 'jose';

/**
 * Checks a login-request's `data` as Snowflake does: key-pair logins carry an RS256 JWT whose
 * issuer is `ACCOUNT.USER.SHA256:<base64 SHA-256 of the public key's SPKI DER>` and subject
 * `ACCOUNT.USER`, verified against the registered public key; password logins compare the password.
 *
 * @example
 * await verifyLogin(body.data, { account: 'ACME', user: 'SVC', publicKeyPem }); // true | false
 */
export async function verifyLogin(
  data: Record<string, unknown>,
  expected: { account: string; user: string; publicKeyPem?: string | undefined; password?: string | undefined },
): Promise<boolean> {
  const { account, user, publicKeyPem, password } = expected;
  if (String(data['LOGIN_NAME'] ?? '').toUpperCase() !== user) return false;
  if (data['AUTHENTICATOR'] === 'SNOWFLAKE_JWT') {
    if (publicKeyPem === undefined) return false;
    const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
    const fingerprint = `SHA256:${createHash('sha256').update(der).digest('base64')}`;
    try {
      await jwtVerify(String(data['TOKEN']), await importSPKI(publicKeyPem, 'RS256'), { issuer: `${account}.${user}.${fingerprint}`, subject: `${account}.${user}` });
      return true;
    } catch {
      return false;
    }
  }
  return password !== undefined && data['PASSWORD'] === password;
}
