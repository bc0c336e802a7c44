/** What a nats-server in operator mode needs to know. */
export interface ServerAuthConfig {
  readonly operatorJwt: string;
  /** Public key of the system account. */
  readonly systemAccount: string;
  /** Account JWTs by account public key: the system account and the Fleet account. */
  readonly accounts: Readonly<Record<string, string>>;
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const ACCOUNT = /^A[A-Z2-7]{55}$/;

/**
 * The auth section of a nats-server (2.9) configuration: decentralized JWT auth with the
 * operator trusted, the accounts preloaded into a memory resolver, and account JWT updates
 * (revocations) accepted when a system-account user pushes them. Holds no secret: only JWTs and
 * public keys. A memory resolver forgets pushed updates on restart, so the file is rewritten
 * with the current account JWT whenever it changes (see `AuthDir.saveAccountJwt`).
 */
export const serverConfig = (c: ServerAuthConfig): string => {
  for (const [id, jwt] of Object.entries(c.accounts))
    if (!ACCOUNT.test(id) || !JWT.test(jwt)) throw new Error(`invalid preloaded account ${id}`);
  if (!JWT.test(c.operatorJwt)) throw new Error('invalid operator JWT');
  if (!ACCOUNT.test(c.systemAccount)) throw new Error('invalid system account');
  const preload = Object.entries(c.accounts)
    .map(([id, jwt]) => `  ${id}: "${jwt}"`)
    .join('\n');
  return [
    '# Written by Fleet (security/). JWTs and public keys only: no secret lives here.',
    `operator: "${c.operatorJwt}"`,
    `system_account: ${c.systemAccount}`,
    'resolver: MEMORY',
    'resolver_preload: {',
    preload,
    '}',
    '',
  ].join('\n');
};
