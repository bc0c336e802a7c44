import { retentionLimitsMessage } from '../events/index.ts';
import type { FleetEventInput, StreamLimits } from '../events/index.ts';

/** The operator's key, to sign the limits it sets (secure mode): an nkey `KeyPair` fits. */
export interface LimitsSigner {
  getPublicKey(): string;
  sign(data: Uint8Array): Uint8Array;
}

/**
 * The `retention.limits` record of limits just set on `stream`: signed when the operator's key
 * is at hand, unsigned otherwise (an audit given an operator key then does not count it).
 */
export const limitsRecord = (
  root: string,
  stream: string,
  limits: StreamLimits,
  at: number,
  signer: LimitsSigner | undefined,
): FleetEventInput => {
  const fields = {
    stream,
    ...(limits.maxAgeMs === undefined ? {} : { maxAgeMs: limits.maxAgeMs }),
    ...(limits.maxBytes === undefined ? {} : { maxBytes: limits.maxBytes }),
    at,
  };
  const signed =
    signer === undefined
      ? {}
      : {
          operator: signer.getPublicKey(),
          signature: Buffer.from(signer.sign(retentionLimitsMessage(root, fields))).toString(
            'base64url',
          ),
        };
  return { type: 'retention.limits', data: { ...fields, ...signed }, meta: { at } };
};
