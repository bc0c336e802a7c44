import { fromPublic } from '@nats-io/nkeys';

/** How far a renewal's signing time may be from the registrar's clock. */
export const RENEWAL_SKEW_MS = 60_000;

/** The bytes a worker signs to renew: bound to the deployment, the worker and the moment. */
export const renewalMessage = (root: string, workerId: string, at: number): Uint8Array =>
  new TextEncoder().encode(`fleet-renew\n${root}\n${workerId}\n${at}`);

/** Signs a renewal with the worker's key (`sign` is `UserCredentials.sign`); base64url. */
export const signRenewal = (
  sign: (data: Uint8Array) => Uint8Array,
  root: string,
  workerId: string,
  at: number,
): string => Buffer.from(sign(renewalMessage(root, workerId, at))).toString('base64url');

/**
 * True when `signature` is `publicKey`'s signature of the renewal of `workerId` at `at`, and `at`
 * is within `RENEWAL_SKEW_MS` of `now`. Never throws.
 */
export const verifyRenewal = (proof: {
  readonly publicKey: string;
  readonly root: string;
  readonly workerId: string;
  readonly at: number;
  readonly signature: string;
  readonly now: number;
}): boolean => {
  if (Math.abs(proof.now - proof.at) > RENEWAL_SKEW_MS) return false;
  try {
    const signature = Buffer.from(proof.signature, 'base64url');
    return fromPublic(proof.publicKey).verify(
      renewalMessage(proof.root, proof.workerId, proof.at),
      signature,
    );
  } catch {
    return false;
  }
};
