import { decode } from '@nats-io/jwt';
import type { Account } from '@nats-io/jwt';
import { ErrorCode, FleetError } from '../events/index.ts';
import { encodeFleetAccountJwt } from './auth-material.ts';
import type { AuthDir } from './auth-dir.ts';
import { EXPIRED_KEEP_MS } from './credential-ledger.ts';
import type { UserRevocation } from './credential-ledger.ts';

/** A Fleet user to revoke: who it is, and until when its credentials are valid. */
export interface UserToRevoke {
  readonly publicKey: string;
  /** `producer`, a service role, `worker`; for the record. */
  readonly role?: string;
  readonly project?: string;
  /** Epoch ms; none when the credentials never expire: the revocation is then kept for good. */
  readonly expiresAt?: number;
}

/** What {@link revokeUser} did. */
export interface RevokedUser {
  /** As kept in the ledger. */
  readonly revocation: UserRevocation;
  /** True when the user was revoked before: the account JWT was stored and pushed again. */
  readonly already: boolean;
  /** The new Fleet account JWT (no secret). */
  readonly accountJwt: string;
}

/** The revocations of an account JWT (public key → epoch seconds). */
const revocationsOf = (jwt: string): Record<string, number> => {
  try {
    return { ...(decode<Account>(jwt).nats.revocations ?? {}) };
  } catch (cause) {
    throw new FleetError(
      ErrorCode.InvalidInput,
      'the stored Fleet account JWT (account.jwt) is not valid; restore the auth folder from a backup',
      { cause },
    );
  }
};

/**
 * Revokes one Fleet user (`fleet creds revoke`): keeps the revocation in the auth folder's
 * ledger until the credentials expire (for good when they never do), signs a Fleet account JWT
 * with every revocation — those the stored account JWT already carries (the registrar's, of
 * revoked workers) and those the ledger keeps — stores it in `account.jwt` and `server.conf` (a
 * restarted server starts with it), and hands it to `push` (`pushAccountJwt`, which makes the
 * running servers cut the user off). All of it under the folder's lock, which the registrar's
 * pushes take too. A user revoked before keeps its first revocation time; the JWT is pushed
 * again. When `push` throws, the revocation stays stored.
 */
export const revokeUser = (
  auth: AuthDir,
  user: UserToRevoke,
  options: {
    readonly push?: (accountJwt: string) => Promise<void>;
    readonly now?: () => number;
  } = {},
): Promise<RevokedUser> =>
  auth.ledger.exclusive(async () => {
    const now = (options.now ?? Date.now)();
    const previous = (await auth.ledger.revocations()).find((r) => r.publicKey === user.publicKey);
    const revocation: UserRevocation = previous ?? {
      publicKey: user.publicKey,
      revokedAt: now,
      ...(user.expiresAt === undefined ? {} : { keepUntil: user.expiresAt + EXPIRED_KEEP_MS }),
      ...(user.role === undefined ? {} : { role: user.role }),
      ...(user.project === undefined ? {} : { project: user.project }),
    };
    await auth.ledger.revoke(revocation);
    const revocations = revocationsOf(await auth.reloadAccountJwt());
    for (const [key, at] of Object.entries(await auth.ledger.accountRevocations()))
      revocations[key] = Math.max(at, revocations[key] ?? 0);
    const accountJwt = await encodeFleetAccountJwt(auth.material, revocations);
    await auth.saveAccountJwt(accountJwt);
    await options.push?.(accountJwt);
    return { revocation, already: previous !== undefined, accountJwt };
  });
