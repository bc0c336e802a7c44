import { InvalidInputError } from '../client/invalid-input-error.ts';
import type { AuthDir } from './auth-dir.ts';
import { EXPIRED_KEEP_MS, UserPublicKey } from './credential-ledger.ts';
import { fleetSigner } from './issue-creds.ts';
import { readCredsFile } from './read-creds-file.ts';
import type { UserToRevoke } from './revoke-user.ts';
import { verifyUserJwt } from './user-jwt.ts';

/** Whom `fleet creds revoke <target>` names, and where that came from. */
export interface RevocationTarget extends UserToRevoke {
  /** `file`: read from a .creds file; `ledger`: a public key recorded when it was issued. */
  readonly from: 'file' | 'ledger';
}

const tag = (tags: readonly string[] | undefined, name: string): string | undefined =>
  tags?.find((t) => t.startsWith(`${name}:`))?.slice(name.length + 1);

const LOOKS_LIKE_KEY = /^[A-Z2-7]{56}$/;

/**
 * The user `target` names: a user public key (`U…`) that the auth folder's ledger recorded at
 * issue time (or revoked before), or a `.creds` file whose JWT the Fleet account's signing key
 * signed. Only the file's public key and claims are used: its seed is never read into a
 * message. Throws `InvalidInputError` for a key never issued here, a missing, unreadable or
 * malformed file, and credentials of another deployment or of the system account.
 */
export const revocationTarget = async (
  auth: AuthDir,
  target: string,
): Promise<RevocationTarget> => {
  if (UserPublicKey.safeParse(target).success) {
    const issued = await auth.ledger.find(target);
    if (issued !== undefined)
      return {
        from: 'ledger',
        publicKey: issued.publicKey,
        role: issued.role,
        ...(issued.project === undefined ? {} : { project: issued.project }),
        ...(issued.expiresAt === undefined ? {} : { expiresAt: issued.expiresAt }),
      };
    const kept = (await auth.ledger.revocations()).find((r) => r.publicKey === target);
    if (kept !== undefined)
      return {
        from: 'ledger',
        publicKey: kept.publicKey,
        ...(kept.role === undefined ? {} : { role: kept.role }),
        ...(kept.project === undefined ? {} : { project: kept.project }),
        ...(kept.keepUntil === undefined ? {} : { expiresAt: kept.keepUntil - EXPIRED_KEEP_MS }),
      };
    throw new InvalidInputError(
      'user',
      `no credentials of user ${target} were issued from ${auth.dir} (fleet creds list shows ` +
        `those that were); for credentials issued elsewhere, give their .creds file; a worker is ` +
        `revoked with fleet workers revoke`,
    );
  }
  let creds;
  try {
    // Expiry is judged below: expired credentials are not an error here.
    creds = await readCredsFile(target, 'creds file', () => 0);
  } catch (error) {
    const missing = (error as { cause?: { code?: unknown } }).cause?.code === 'ENOENT';
    if (!missing) throw error;
    throw new InvalidInputError(
      'user',
      LOOKS_LIKE_KEY.test(target)
        ? `${target} is not a valid NATS user public key (U followed by 55 characters, checksum included)`
        : `${target}: no such file; give a .creds file or a user public key (U…)`,
      { cause: error },
    );
  }
  const signer = fleetSigner(auth.material);
  const fleet = { account: signer.account, signer: signer.key.getPublicKey() };
  const claims = verifyUserJwt(creds.jwt(), fleet);
  if (claims === undefined) {
    const system = auth.material.system.getPublicKey();
    if (verifyUserJwt(creds.jwt(), { account: system, signer: system }) !== undefined)
      throw new InvalidInputError(
        'user',
        `${target} holds the system user's credentials, which belong to the system account: ` +
          `Fleet revokes users of the Fleet account only (rotate the auth material instead)`,
      );
    throw new InvalidInputError(
      'user',
      `${target} holds credentials that the Fleet account of ${auth.dir} did not issue; ` +
        `revoke them where they were issued`,
    );
  }
  const role = tag(claims.nats.tags, 'fleet-role');
  const project = tag(claims.nats.tags, 'fleet-project');
  return {
    from: 'file',
    publicKey: creds.publicKey,
    ...(role === undefined ? {} : { role }),
    ...(project === undefined ? {} : { project }),
    ...(creds.expiresAt === undefined ? {} : { expiresAt: creds.expiresAt }),
  };
};
