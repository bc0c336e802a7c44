import type { NatsConnection } from '@nats-io/transport-node';
import { DEFAULT_ROOT } from '../events/index.ts';
import type { WorkerCredentials } from '../events/index.ts';
import type { CredentialIssuer, CredentialSubject } from '../actors/registrar/credential-issuer.ts';
import { encodeFleetAccountJwt } from './auth-material.ts';
import type { AuthMaterial } from './auth-material.ts';
import { REVOCATION_MARGIN_S, revocationTime } from './credential-ledger.ts';
import type { CredentialLedger } from './credential-ledger.ts';
import { fleetSigner } from './issue-creds.ts';
import { Role, workerPermissions } from './permissions.ts';
import { pushAccountJwt } from './push-account-jwt.ts';
import { verifyRenewal } from './renewal-proof.ts';
import { sealEnrollment } from './sealed-enrollment.ts';
import { issueUserJwt, verifyUserJwt } from './user-jwt.ts';

/** Default lifetime of a worker's credentials. */
export const DEFAULT_WORKER_TTL_MS = 60 * 60_000;

/** Defined with the ledger, which `fleet creds revoke` shares; exported here as before. */
export { REVOCATION_MARGIN_S };

/** Options of {@link credentialAuthority}. */
export interface CredentialAuthorityOptions {
  /** Needs the account signing key (to issue) and the operator key (to revoke). */
  readonly material: AuthMaterial;
  /** Subject root of the deployment; default `fleet`. */
  readonly root?: string;
  /** Lifetime of a worker's credentials; default 1 h. */
  readonly workerTtlMs?: number;
  /** A system-account user's connection: revocations are pushed to the servers through it. */
  readonly system?: NatsConnection;
  /** Told of every new account JWT, to keep it (`AuthDir.saveAccountJwt`) for restarts. */
  readonly onAccountJwt?: (jwt: string) => Promise<void>;
  /**
   * The operator's own revocations (`fleet creds revoke`: producers, services), kept in the auth
   * folder (`AuthDir.ledger`): every account JWT carries them too, and is built and pushed under
   * the folder's lock, so that neither kind of revocation drops the other.
   */
  readonly kept?: Pick<CredentialLedger, 'exclusive' | 'accountRevocations'>;
  /** How long a push may wait for the server's answer; default 5 s. */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

const workerTag = (workerId: string) => `fleet-worker:${workerId}`;

/**
 * The registrar's credential issuer in a secure deployment. Issues each worker a user JWT for its
 * own public key, scoped to its subjects (`workerPermissions`) and expiring after `workerTtlMs`;
 * revokes by signing a new Fleet account JWT with the `revocations` and pushing it on
 * `$SYS.REQ.ACCOUNT.<account>.CLAIMS.UPDATE`, which makes every server disconnect the revoked
 * users at once. Revocations older than a credential's lifetime are dropped: whatever they
 * covered has expired, and the registrar never renews a revoked worker. The operator's kept
 * revocations (`kept`) are merged into every account JWT.
 */
export const credentialAuthority = (options: CredentialAuthorityOptions): CredentialIssuer => {
  const m = options.material;
  const root = options.root ?? DEFAULT_ROOT;
  const ttlMs = options.workerTtlMs ?? DEFAULT_WORKER_TTL_MS;
  const now = options.now ?? Date.now;
  const signer = fleetSigner(m);
  const expected = { account: m.account.getPublicKey(), signer: signer.key.getPublicKey() };

  return {
    root,
    ttlMs,
    verifyRenewal: (proof) => verifyRenewal({ ...proof, root }),
    seal: sealEnrollment,
    issue: async (w: CredentialSubject): Promise<WorkerCredentials> => {
      const expiresAt = now() + ttlMs;
      const jwt = await issueUserJwt(signer, {
        name: `fleet-worker ${w.workerId}`,
        publicKey: w.publicKey,
        permissions: workerPermissions(w, root),
        // Whole seconds in the JWT: say when the server will actually refuse it.
        expiresAt,
        tags: [`fleet-role:${Role.worker}`, workerTag(w.workerId), `fleet-project:${w.project}`],
      });
      return { jwt, expiresAt: Math.floor(expiresAt / 1000) * 1000 };
    },
    isCurrent: (jwt, w) => {
      const claims = verifyUserJwt(jwt, expected);
      return (
        claims !== undefined &&
        claims.sub === w.publicKey &&
        claims.exp !== undefined &&
        claims.exp * 1000 > now() &&
        (claims.nats.tags ?? []).includes(workerTag(w.workerId))
      );
    },
    revoke: async (revoked) => {
      const workers: Record<string, number> = {};
      const horizon = now() - ttlMs - REVOCATION_MARGIN_S * 1000;
      for (const [publicKey, at] of revoked)
        if (at >= horizon) workers[publicKey] = revocationTime(at);
      const update = async () => {
        const revocations = { ...workers };
        for (const [key, at] of Object.entries((await options.kept?.accountRevocations()) ?? {}))
          revocations[key] = Math.max(at, revocations[key] ?? 0);
        const jwt = await encodeFleetAccountJwt(m, revocations);
        await options.onAccountJwt?.(jwt);
        if (options.system !== undefined)
          await pushAccountJwt(options.system, expected.account, jwt, options.timeoutMs);
      };
      await (options.kept === undefined ? update() : options.kept.exclusive(update));
    },
  };
};
