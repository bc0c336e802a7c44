import { fromPublic } from '@nats-io/nkeys';
import { retentionLimitsMessage } from '../../events/index.ts';
import type { RetentionLimits } from '../../events/index.ts';

/**
 * Why a `retention.limits` record is not the operator's word on this stream, or undefined when
 * it is: signed by `operatorKey` over the deployment's `root` and the limits. Never throws.
 */
export const limitsRecordProblem = (
  record: RetentionLimits['data'],
  root: string,
  operatorKey: string,
): string | undefined => {
  if (record.operator === undefined || record.signature === undefined) return 'it is unsigned';
  if (record.operator !== operatorKey)
    return `signed by ${record.operator}, not by the operator key ${operatorKey}`;
  try {
    const signature = Buffer.from(record.signature, 'base64url');
    if (fromPublic(operatorKey).verify(retentionLimitsMessage(root, record), signature))
      return undefined;
  } catch {
    // An unreadable key or signature verifies nothing.
  }
  return `its signature does not verify against the operator key ${operatorKey}`;
};
