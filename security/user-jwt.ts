import { decode, encodeUser, fmtCreds } from '@nats-io/jwt';
import type { ClaimsData, User } from '@nats-io/jwt';
import { fromSeed } from '@nats-io/nkeys';
import type { KeyPair } from '@nats-io/nkeys';
import type { Permissions } from './permissions.ts';

/** Who signs user JWTs: an account (its identity key, or one of its signing keys). */
export interface UserSigner {
  /** Public key of the account the users belong to. */
  readonly account: string;
  /** The key that signs: the account's signing key, or the account itself. */
  readonly key: KeyPair;
}

/** A user JWT to issue. */
export interface UserClaims {
  /** Shown by the server in logs and monitoring; no secret. */
  readonly name: string;
  /** The user's nkey public key (`U…`); the user alone holds its seed. */
  readonly publicKey: string;
  readonly permissions: Permissions;
  /** Epoch ms after which the server refuses the JWT; none means no expiry. */
  readonly expiresAt?: number;
  /** Free-form tags, e.g. `fleet-role:worker`, `fleet-worker:<id>`. */
  readonly tags?: readonly string[];
}

/** Signs a user JWT with `signer` for `claims`. */
export const issueUserJwt = (signer: UserSigner, claims: UserClaims): Promise<string> => {
  const { pub, sub } = claims.permissions;
  const ownAccount = signer.key.getPublicKey() === signer.account;
  return encodeUser(
    claims.name,
    claims.publicKey,
    ownAccount ? signer.key : signer.account,
    {
      pub: { allow: [...pub.allow], deny: [...pub.deny] },
      sub: { allow: [...sub.allow], deny: [...sub.deny] },
      ...(claims.tags === undefined ? {} : { tags: [...claims.tags] }),
    },
    {
      ...(ownAccount ? {} : { signer: signer.key }),
      ...(claims.expiresAt === undefined ? {} : { exp: Math.floor(claims.expiresAt / 1000) }),
    },
  );
};

/** The `.creds` file of a user: its JWT and its seed, in the format every NATS client reads. */
export const formatCreds = (jwt: string, seed: string | Uint8Array): string =>
  new TextDecoder().decode(
    fmtCreds(jwt, fromSeed(typeof seed === 'string' ? new TextEncoder().encode(seed) : seed)),
  );

const BLOCK = /-{3,}BEGIN [A-Z ]+-{3,}\s*\n\s*(\S+)\s*\n\s*-{3,}END [A-Z ]+-{3,}/g;

/** The JWT and seed of a `.creds` file. Throws when the text is not one. */
export const parseCreds = (text: string): { readonly jwt: string; readonly seed: string } => {
  const blocks = [...text.matchAll(BLOCK)].map((m) => m[1] ?? '');
  const [jwt, seed] = blocks;
  if (jwt === undefined || seed === undefined || !seed.startsWith('SU'))
    throw new Error('not a NATS .creds file (a user JWT block and a user seed block)');
  return { jwt, seed };
};

/** The claims of a user JWT, without checking its signature (what a client may read). */
export const peekUserJwt = (jwt: string): ClaimsData<User> => {
  const body = jwt.split('.')[1];
  if (body === undefined) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ClaimsData<User>;
};

/**
 * The claims of a user JWT whose signature verifies and whose signer is `signer` (an account
 * signing key) on behalf of `account`; undefined for anything else.
 */
export const verifyUserJwt = (
  jwt: string,
  expected: { readonly account: string; readonly signer: string },
): ClaimsData<User> | undefined => {
  let claims: ClaimsData<User>;
  try {
    claims = decode<User>(jwt);
  } catch {
    return undefined;
  }
  if (claims.iss !== expected.signer) return undefined;
  const account = claims.nats.issuer_account ?? claims.iss;
  return account === expected.account ? claims : undefined;
};

/** Whether a JWT's user claims grant exactly `permissions` (same lists, in any order). */
export const grantsExactly = (
  user: {
    pub?: { allow?: string[]; deny?: string[] };
    sub?: { allow?: string[]; deny?: string[] };
  },
  permissions: Permissions,
): boolean => {
  const same = (a: readonly string[] | undefined, b: readonly string[]) =>
    JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...b].sort());
  return (
    same(user.pub?.allow, permissions.pub.allow) &&
    same(user.pub?.deny, permissions.pub.deny) &&
    same(user.sub?.allow, permissions.sub.allow) &&
    same(user.sub?.deny, permissions.sub.deny)
  );
};
