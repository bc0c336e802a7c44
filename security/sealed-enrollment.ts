import { createCurve } from '@nats-io/nkeys';
import type { KeyPair } from '@nats-io/nkeys';
import type { EnrollAdmitted, SealedEnrollment } from '../events/index.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Seals an admitted enrollment to the curve key a worker drew for it, with a curve key drawn
 * for this answer alone: the enrollment user is shared by every enrolling host, so its inbox is
 * readable by all of them; the box is readable only by the host holding the seal key's seed.
 */
export const sealEnrollment = (admitted: EnrollAdmitted, sealKey: string): SealedEnrollment => {
  const sender = createCurve();
  const box = sender.seal(encoder.encode(JSON.stringify(admitted)), sealKey);
  return {
    sealed: { by: sender.getPublicKey(), box: Buffer.from(box).toString('base64url') },
  };
};

/** A curve key pair for one enrollment: send its public key as `sealKey`, keep it to open. */
export const newSealPair = (): KeyPair => createCurve();

/** Opens a sealed enrollment with the seal key's pair; undefined when it does not open. */
export const openEnrollment = (sealed: SealedEnrollment, pair: KeyPair): unknown => {
  let opened: Uint8Array | null;
  try {
    opened = pair.open(Buffer.from(sealed.sealed.box, 'base64url'), sealed.sealed.by);
  } catch {
    return undefined;
  }
  if (opened === null) return undefined;
  try {
    return JSON.parse(decoder.decode(opened)) as unknown;
  } catch {
    return undefined;
  }
};
