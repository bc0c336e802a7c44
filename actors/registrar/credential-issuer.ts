import type {
  EnrollAdmitted,
  PoolId,
  ProjectId,
  SealedEnrollment,
  WorkerCredentials,
  WorkerId,
} from '../../events/index.ts';

/** A worker that gets transport credentials: who it is and the public key it holds the seed of. */
export interface CredentialSubject {
  readonly workerId: WorkerId;
  readonly project: ProjectId;
  readonly pool: PoolId;
  readonly publicKey: string;
}

/**
 * What a registrar needs to hand out NATS credentials (a secure deployment): `security/`'s
 * `credentialAuthority` is one. The registrar decides who gets credentials; the issuer signs
 * them and tells the transport whom to cut off.
 */
export interface CredentialIssuer {
  /** The subject root the credentials are scoped to; must be the registrar's. */
  readonly root: string;
  /** Lifetime of the credentials it issues. */
  readonly ttlMs: number;
  /** Signs credentials for `worker`'s own public key, scoped to its subjects. */
  issue(worker: CredentialSubject): Promise<WorkerCredentials>;
  /** True when `jwt` is an unexpired credential this issuer signed for `worker` and its key. */
  isCurrent(jwt: string, worker: CredentialSubject): boolean;
  /**
   * Makes the transport refuse, and disconnect, every credential of these public keys issued
   * until the given time (epoch ms). The whole set each time: it replaces the previous one.
   */
  revoke(revoked: ReadonlyMap<string, number>): Promise<void>;
  /**
   * True when `signature` proves the holder of `publicKey`'s seed asked to renew `workerId` at
   * `at`, recently enough by `now`.
   */
  verifyRenewal(proof: {
    readonly publicKey: string;
    readonly workerId: string;
    readonly at: number;
    readonly signature: string;
    readonly now: number;
  }): boolean;
  /**
   * Seals an admitted enrollment to the curve key the worker drew for it: the enrollment user's
   * inbox is shared by every enrolling host.
   */
  seal(admitted: EnrollAdmitted, sealKey: string): SealedEnrollment;
}
