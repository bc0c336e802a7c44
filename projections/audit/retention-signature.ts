import { fromPublic } from '@nats-io/nkeys';
import { retentionMessage } from '../../events/index.ts';
import type { RetentionPoint } from '../../events/index.ts';

/** What the operator signs of a retention point (the rest is the key and the signature). */
export type RetentionFields = Pick<RetentionPoint['data'], 'stream' | 'firstSeq' | 'at' | 'reason'>;

/** Signs a retention point with the operator's key (`KeyPair.sign`); base64url. */
export const signRetention = (
  sign: (data: Uint8Array) => Uint8Array,
  root: string,
  fields: RetentionFields,
): string => Buffer.from(sign(retentionMessage(root, fields))).toString('base64url');

/**
 * Why a retention point is not the operator's word on this stream, or undefined when it is:
 * signed by `operatorKey` over the deployment's `root` and the point, and about `stream` when
 * that is known. Never throws.
 */
export const retentionProblem = (
  point: RetentionPoint['data'],
  root: string,
  operatorKey: string,
  stream: string | undefined,
): string | undefined => {
  if (point.operator !== operatorKey)
    return `signed by ${point.operator}, not by the operator key ${operatorKey}`;
  if (stream !== undefined && point.stream !== stream)
    return `about stream ${point.stream}, not ${stream}`;
  try {
    const signature = Buffer.from(point.signature, 'base64url');
    if (fromPublic(operatorKey).verify(retentionMessage(root, point), signature)) return undefined;
  } catch {
    // An unreadable key or signature verifies nothing.
  }
  return `its signature does not verify against the operator key ${operatorKey}`;
};
